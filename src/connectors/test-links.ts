/**
 * Test sign-in links for administrators: random, single use, valid one hour, stored only as a hash.
 * Issued by the CLI (later the admin center) for an enabled connection; federation.ts redeems them.
 */
import { createHash, randomBytes } from 'node:crypto';
import { badRequest, notFound } from '../lib/errors.js';
import type { ConnectorStore } from './store.js';

export const TEST_LINK_SECONDS = 3600;

export const hashTestToken = (token: string) => createHash('sha256').update(`test-link:${token}`).digest('base64url');

export async function issueTestLink(store: ConnectorStore, issuer: string, connectionId: string) {
  const row = await store.findConnection(connectionId);
  if (!row) throw notFound('no_connection', `no connection ${connectionId}`);
  if (!row.enabled) throw badRequest('connection_disabled', `the connection ${connectionId} is switched off; enable it first`);
  const token = randomBytes(24).toString('base64url');
  await store.putState({
    state: hashTestToken(token),
    connection_id: connectionId,
    purpose: 'test',
    data: { stage: 'link' },
    expires_at: new Date(Date.now() + TEST_LINK_SECONDS * 1000),
  });
  return `${issuer}/sso/test/${token}`;
}
