/**
 * The OpenAPI 3.1 document of the admin API, generated from the operations table (routes.ts) with
 * zod's own JSON Schema output (`z.toJSONSchema`, draft 2020-12, which OpenAPI 3.1 uses). Inputs are
 * described as clients send them (`io: 'input'`), answers as they are sent.
 */
import { z } from 'zod';
import { ADMIN_SCOPES } from '../actor.js';
import type { Operation } from './routes.js';

type Json = Record<string, unknown>;

const schemaOf = (t: z.ZodType, io: 'input' | 'output') => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(t, { io, unrepresentable: 'any' }) as Json;
  return rest;
};

const ERROR = {
  type: 'object',
  required: ['error', 'error_description'],
  properties: {
    error: { type: 'string', description: 'a stable code, e.g. invalid_input, invalid_token, not_found' },
    error_description: { type: 'string' },
    details: { type: 'object' },
  },
};

const errorResponses = (op: Operation): Json => {
  const ref = { content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
  return {
    '400': { description: 'invalid input', ...ref },
    '401': { description: 'no valid access token', ...ref },
    '403': { description: op.write ? 'not an admin client, or no admin:write' : 'not an admin client', ...ref },
    '404': { description: 'not found in this organization', ...ref },
    ...(op.write ? { '409': { description: 'conflicts with the current state', ...ref } } : {}),
  };
};

function parameters(op: Operation): Json[] {
  const path = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
  const query = op.query ? (schemaOf(op.query, 'input') as { properties?: Json; required?: string[] }) : undefined;
  const fields = Object.entries(query?.properties ?? {}).map(([name, schema]) => ({
    name,
    in: 'query',
    required: query?.required?.includes(name) ?? false,
    schema,
  }));
  const org = {
    name: 'org',
    in: 'query',
    required: false,
    description: 'operators only: the organization (slug)',
    schema: { type: 'string' },
  };
  return [...path, ...fields, ...(op.global ? [] : [org])];
}

export function openApiDocument(issuer: string, ops: Operation[]) {
  const paths: Record<string, Json> = {};
  for (const op of ops) {
    const status = String(op.status ?? 200);
    const ok =
      status === '204'
        ? { description: 'done' }
        : op.produces
          ? { description: 'the export', content: Object.fromEntries(op.produces.map((t) => [t, { schema: { type: 'string' } }])) }
          : { description: 'ok', content: { 'application/json': { schema: op.response ? schemaOf(op.response, 'output') : {} } } };
    (paths[op.path] ??= {})[op.method] = {
      operationId: op.operationId,
      summary: op.summary,
      tags: [op.tag],
      security: [{ clientCredentials: [op.write ? ADMIN_SCOPES.write : ADMIN_SCOPES.read] }],
      parameters: parameters(op),
      ...(op.body ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(op.body, 'input') } } } } : {}),
      responses: { [status]: ok, ...errorResponses(op) },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Wayfinder admin API',
      version: '1',
      description:
        'Run an organization from automation. Authenticate with an access token from client credentials of an admin client ' +
        `(resource ${issuer}/api/admin/v1). Another organization's resources answer 404.`,
    },
    servers: [{ url: `${issuer}/api/admin/v1` }],
    components: {
      schemas: { Error: ERROR },
      securitySchemes: {
        clientCredentials: {
          type: 'oauth2',
          flows: {
            clientCredentials: {
              tokenUrl: `${issuer}/token`,
              scopes: { [ADMIN_SCOPES.read]: 'read the organization', [ADMIN_SCOPES.write]: 'change the organization' },
            },
          },
        },
      },
    },
    paths,
  };
}
