/**
 * Failed SCIM authentication is throttled per client address (issue 15): wrong bearer tokens from one
 * address soon get 429 in SCIM's error format with Retry-After — before the token is looked up, so
 * even the organization's real token waits from there — while the company IdP's provisioning service
 * on another address goes on working. Each failure is a `scim.auth_failed` security event without the
 * token; a success from an address with failures below the limit clears that address's SCIM counter.
 */
import { scimClient, scimOrg } from '../helpers/scim.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let token: string;
beforeAll(async () => {
  server = await startTestServer({
    server: { trustProxy: true },
    throttle: { accountFreeAttempts: 3, ipFreeAttempts: 8, maxDelaySeconds: 30, windowSeconds: 3600 },
  });
  token = (await scimOrg(server, 'acme', 'acme.test')).token;
});
afterAll(() => server?.close());
beforeEach(() => server.testDb.database.db.deleteFrom('throttles').execute());

const from = (ip: string, bearer: string) => {
  const c = scimClient(server, bearer);
  return (path: string) => c.call('GET', path, undefined, { 'x-forwarded-for': ip });
};

test('wrong tokens from one address get 429 (SCIM error, Retry-After); the real token elsewhere still works', async () => {
  const attacker = '198.51.100.21';
  for (let i = 0; i < 3; i += 1) {
    const res = await from(attacker, `guess-${i}-${'x'.repeat(40)}`)('/Users');
    expect(res.status).toBe(401);
    expect(res.body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
  }
  expect((await from(attacker, 'guess-3')('/Users')).status).toBe(401);
  const refused = await from(attacker, 'guess-4')('/Users');
  expect(refused.status).toBe(429);
  expect(refused.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '429' });
  expect(refused.body.detail).toMatch(/try again in \d+ seconds/);
  expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  // The throttled address waits even with the real token (its validity is not even looked up)…
  expect((await from(attacker, token)('/Users')).status).toBe(429);
  // …while the IdP's provisioning service elsewhere is not locked out.
  const real = await from('203.0.113.30', token)('/Users');
  expect(real.status).toBe(200);
  // Self-description needs no token and is never throttled.
  expect((await from(attacker, 'guess-5')('/ServiceProviderConfig')).status).toBe(200);

  const events = await server.testDb.database.db
    .selectFrom('audit_events')
    .selectAll()
    .where('type', '=', 'scim.auth_failed')
    .where('ip', '=', attacker)
    .execute();
  expect(events.length).toBe(4);
  expect(JSON.stringify(events)).not.toContain('guess-');
});

test('a missing token counts too, and a success below the limit clears the address’s SCIM counter', async () => {
  const ip = '198.51.100.22';
  const noToken = await fetch(`${server.url}/scim/v2/Users`, { headers: { 'x-forwarded-for': ip } });
  expect(noToken.status).toBe(401);
  expect((await from(ip, 'wrong')('/Users')).status).toBe(401);
  expect((await from(ip, token)('/Users')).status).toBe(200);
  const rows = await server.testDb.database.db.selectFrom('throttles').select('key').where('key', 'like', `%${ip}%`).execute();
  expect(rows.map((r) => r.key)).toEqual([`client-from-ip:${ip}`]);
  // Three more failures are needed again before the address waits.
  for (let i = 0; i < 3; i += 1) expect((await from(ip, `w${i}`)('/Users')).status).toBe(401);
});

test('parallel wrong tokens from one address: 401s then 429s, never a 500', async () => {
  const ip = '198.51.100.23';
  const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => from(ip, `p${i}`)('/Groups')));
  const statuses = answers.map((a) => a.status);
  expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
  expect((await from(ip, token)('/Groups')).status).toBe(429);
});
