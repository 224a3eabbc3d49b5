/**
 * SSO only cannot lock a company out, whatever the timing or the route (regression). The guards were
 * checks before the change, on their own statements: two administrators switching off (or removing)
 * the organization's two tested connections at the same moment both saw the other one still on, and
 * both went through, leaving SSO only on with no way in; the same for the last two verified domains,
 * for switching SSO only on while the one tested connection was switched off, and a replacement of the
 * connection (PUT, the CLI's file, bootstrap) with `enabled: false` was not checked at all. The rule now
 * lives in the stores, each change in one transaction that locks the organization's row first.
 */
import { randomUUID } from 'node:crypto';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { setUpAdmin } from '../helpers/admin-api.js';
import { createConnectorStore } from '../../src/connectors/store.js';

let server: TestServer;
let admin: Awaited<ReturnType<typeof setUpAdmin>>;
let acme: string;
let orgId: string;

const entry = (id: string, more: Record<string, unknown> = {}) => ({
  id,
  kind: 'oidc',
  name: `Acme ${id}`,
  issuer: `https://${id}.acme.test`,
  client_id: 'wayfinder',
  client_secret: 'acme-oidc-client-secret-0123456789abcdef',
  scopes: ['openid', 'email'],
  ...more,
});
const connectors = () => createConnectorStore(server.services.db);
const connections = async () =>
  (await admin.call(acme, 'GET', '/connections')).body.items as Array<{ id: string; enabled: boolean; tested: boolean }>;
const wayIn = async () => (await connections()).filter((c) => c.enabled && c.tested).length;

async function verifiedDomain(domain: string) {
  const claim = await server.services.orgs.claimDomain({ id: randomUUID(), org_id: orgId, domain, token: randomUUID() });
  await server.services.orgs.markVerified(claim.id, 'operator');
}

/** Two tested connections (a, b) and SSO only on. */
async function twoTestedConnections(a: string, b: string) {
  await admin.call(acme, 'PUT', '/policies/sso-only', { on: false });
  for (const c of await connections()) await connectors().removeConnection(c.id);
  for (const id of [a, b]) {
    expect((await admin.call(acme, 'POST', '/connections', entry(id))).status).toBe(201);
    await connectors().markTested(id);
  }
  expect((await admin.call(acme, 'PUT', '/policies/sso-only', { on: true })).body).toEqual({ mode: 'on' });
}

beforeAll(async () => {
  server = await startTestServer();
  admin = await setUpAdmin(server);
  acme = await admin.token('acme-admin');
  orgId = await admin.orgId('acme');
  await verifiedDomain('acme-one.test');
  await verifiedDomain('acme-two.test');
});
afterAll(async () => {
  await server?.close();
});

test('switching off the two tested connections at the same moment: one goes, the other is 409, SSO only keeps a way in', async () => {
  for (let round = 0; round < 5; round += 1) {
    const [a, b] = [`race-a${round}`, `race-b${round}`];
    await twoTestedConnections(a, b);
    const answers = await Promise.all([
      admin.call(acme, 'POST', `/connections/${a}/disable`),
      admin.call(acme, 'POST', `/connections/${b}/disable`),
    ]);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(answers.find((r) => r.status === 409)!.body).toMatchObject({ error: 'connection_in_use' });
    expect(await wayIn()).toBe(1);
  }
});

test('removing, or switching off and removing, the two tested connections at the same moment leaves one', async () => {
  for (let round = 0; round < 5; round += 1) {
    const [a, b] = [`rm-a${round}`, `rm-b${round}`];
    await twoTestedConnections(a, b);
    const answers = await Promise.all([
      admin.call(acme, 'DELETE', `/connections/${a}`),
      round % 2 ? admin.call(acme, 'POST', `/connections/${b}/disable`) : admin.call(acme, 'DELETE', `/connections/${b}`),
    ]);
    expect(answers.filter((r) => r.status === 409)).toHaveLength(1);
    expect(await wayIn()).toBe(1);
  }
});

test('a replacement with enabled: false is the same switch-off: refused for the last tested connection, alone or racing', async () => {
  await twoTestedConnections('put-a', 'put-b');
  const answers = await Promise.all([
    admin.call(acme, 'PUT', '/connections/put-a', entry('put-a', { enabled: false })),
    admin.call(acme, 'PUT', '/connections/put-b', entry('put-b', { enabled: false })),
  ]);
  expect(answers.map((r) => r.status).sort()).toEqual([200, 409]);
  expect(await wayIn()).toBe(1);
  const last = (await connections()).find((c) => c.enabled)!.id;
  expect(await admin.call(acme, 'PUT', `/connections/${last}`, entry(last, { enabled: false }))).toMatchObject({
    status: 409,
    body: { error: 'connection_in_use' },
  });
  expect(await wayIn()).toBe(1);
});

test('switching SSO only on while its one tested connection is switched off: never on without a way in', async () => {
  for (let round = 0; round < 6; round += 1) {
    const id = `on-race${round}`;
    await admin.call(acme, 'PUT', '/policies/sso-only', { on: false });
    for (const c of await connections()) await connectors().removeConnection(c.id);
    expect((await admin.call(acme, 'POST', '/connections', entry(id))).status).toBe(201);
    await connectors().markTested(id);
    await Promise.all([
      admin.call(acme, 'PUT', '/policies/sso-only', { on: true }),
      admin.call(acme, 'POST', `/connections/${id}/disable`),
    ]);
    const mode = (await server.services.orgs.findById(orgId))!.sso_only;
    if (mode === 'on') expect(await wayIn()).toBe(1);
  }
});

test('removing the two verified domains at the same moment under SSO only: one stays', async () => {
  await twoTestedConnections('dom-a', 'dom-b');
  const answers = await Promise.all([
    admin.call(acme, 'DELETE', '/domains/acme-one.test'),
    admin.call(acme, 'DELETE', '/domains/acme-two.test'),
  ]);
  expect(answers.map((r) => r.status).sort()).toEqual([204, 409]);
  expect(answers.find((r) => r.status === 409)!.body).toMatchObject({ error: 'domain_in_use' });
  const domains = (await admin.call(acme, 'GET', '/domains')).body.items as Array<{ verified: boolean }>;
  expect(domains.filter((d) => d.verified)).toHaveLength(1);
});
