/**
 * The admin API router under /api/admin/v1 (JSON; no cookies, no CSRF: callers present access
 * tokens). Rules:
 * - every operation authenticates first (admin/actor.ts), then resolves its organization, then
 *   validates its query and body against the operation's schemas (http/guard.ts, the guard every
 *   route family uses; `?org=` is the operator's and not part of an operation's query);
 * - every error has one shape: `{ error, error_description, details? }` with the HTTP status;
 *   invalid input is a 400 `invalid_input` whose details name the fields;
 * - `openapi.json` (public) and `reference` (a readable page of it) need no token.
 */
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { Readable } from 'node:stream';
import { z, ZodError } from 'zod';
import { parseBody } from '../../http/body.js';
import { checkInput } from '../../http/guard.js';
import { AppError } from '../../lib/errors.js';
import type { Actors } from '../actor.js';
import { operations, type AdminUseCases } from './routes.js';
import { openApiDocument } from './openapi.js';
import { referencePage } from './reference.js';

export const ADMIN_PREFIX = '/api/admin/v1';

/** The query without the operator's `org` (an operation's own schema does not name it). */
const withoutOrg = (q: unknown) => {
  const { org: _org, ...rest } = (q ?? {}) as Record<string, unknown>;
  return rest;
};

async function jsonErrors(ctx: Context, next: Next) {
  try {
    await next();
    if (ctx.status === 404 && ctx.body === undefined) throw new AppError('not_found', 404, 'no such operation');
  } catch (err) {
    if (err instanceof ZodError) {
      ctx.status = 400;
      ctx.body = {
        error: 'invalid_input',
        error_description: 'the request does not match the operation',
        details: { fields: err.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) },
      };
      return;
    }
    if (!(err instanceof AppError) || !err.expose) throw err;
    ctx.status = err.status;
    ctx.body = { error: err.code, error_description: err.message, ...(err.details ? { details: err.details } : {}) };
  }
}

export function adminApiRoutes(d: { issuer: string; actors: Actors; useCases: AdminUseCases; maxBodyBytes: number }) {
  const router = new Router({ prefix: ADMIN_PREFIX });
  const ops = operations(d.useCases);
  const document = openApiDocument(d.issuer, ops);
  router.use(jsonErrors);
  router.use(async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    await next();
  });
  router.get('/openapi.json', (ctx) => {
    ctx.body = document;
  });
  router.get('/reference', (ctx) => {
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = referencePage(document);
  });
  for (const op of ops) {
    const path = op.path.replace(/\{(\w+)\}/g, ':$1');
    const schemas = {
      body: op.body ?? z.unknown(),
      query: z.preprocess(withoutOrg, op.query ?? z.record(z.string(), z.unknown())),
      params: z.record(z.string(), z.string()),
    };
    router[op.method](path, parseBody(op.maxBodyBytes ?? d.maxBodyBytes), async (ctx) => {
      const actor = await d.actors.authenticate(ctx, op.write);
      const orgId = op.global && actor.operator ? '' : await d.actors.organization(ctx, actor);
      // Checked after authentication: a caller without a token learns nothing about an operation's input.
      const input = checkInput(ctx, schemas);
      const query = input.query as Record<string, unknown>;
      const body = (op.body ? input.body : {}) as Record<string, unknown>;
      const result = await op.handle({ ctx, actor, orgId, params: input.params, query, body });
      if (result instanceof Readable) {
        ctx.type = query.format === 'jsonl' ? 'application/x-ndjson' : 'text/csv; charset=utf-8';
        ctx.attachment(`audit-events.${query.format === 'jsonl' ? 'jsonl' : 'csv'}`);
        ctx.body = result;
        return;
      }
      ctx.status = op.status ?? 200;
      if (ctx.status !== 204) ctx.body = result;
    });
  }
  return router;
}
