/**
 * An admin API setup for tests: two organizations (acme, globex) with people, admin clients declared
 * in a bootstrap file (one per organization, one operator), and tokens from client credentials over
 * real HTTP, the way automation gets them.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyBootstrap } from '../../src/bootstrap/apply.js';
import type { TestServer } from './server.js';

export const ADMIN_SECRET = 'admin-client-secret-0123456789-abcdefgh';

export async function setUpAdmin(server: TestServer) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wf-admin-'));
  const file = path.join(dir, 'bootstrap.yaml');
  const client = (id: string, admin: string) => `  - client_id: ${id}
    client_secret: ${ADMIN_SECRET}
    grant_types: [client_credentials]
    redirect_uris: []
    response_types: []
    admin: ${admin}
`;
  writeFileSync(
    file,
    `users:
  - { email: ann@acme.test, password: "correct horse battery staple" }
  - { email: bob@acme.test, password: "correct horse battery staple" }
  - { email: gil@globex.test, password: "correct horse battery staple" }
  - { email: both@shared.test, password: "correct horse battery staple" }
organizations:
  - slug: acme
    name: Acme
    members: [{ email: ann@acme.test, role: admin }, { email: bob@acme.test }, { email: both@shared.test }]
  - slug: globex
    name: Globex
    members: [{ email: gil@globex.test, role: admin }, { email: both@shared.test }]
clients:
${client('acme-admin', '{ organization: acme }')}${client('globex-admin', '{ organization: globex }')}${client('operator-admin', '{ operator: true }')}${client('read-only', '{ organization: acme }')}`,
  );
  await applyBootstrap(server.services, file);
  const token = async (clientId: string, scope = 'admin:read admin:write') => {
    const res = await fetch(`${server.url}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${clientId}:${ADMIN_SECRET}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope, resource: `${server.url}/api/admin/v1` }),
    });
    const body = (await res.json()) as { access_token?: string };
    if (!body.access_token) throw new Error(`no token for ${clientId}: ${JSON.stringify(body)}`);
    return body.access_token;
  };
  const call = async (tok: string, method: string, p: string, body?: unknown) => {
    const res = await fetch(`${server.url}/api/admin/v1${p}`, {
      method,
      headers: { authorization: `Bearer ${tok}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    let json: Record<string, unknown>;
    try {
      json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      json = { text };
    }
    return { status: res.status, body: json, headers: res.headers, text };
  };
  const userId = async (email: string) => (await server.services.accounts.findUserByEmail(email))!.id;
  const orgId = async (slug: string) => (await server.services.orgs.findBySlug(slug))!.id;
  return { token, call, userId, orgId };
}
