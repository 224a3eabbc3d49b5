/**
 * Failed client authentication is throttled (issue 17, defect 8) per (client, address) and per
 * address, without locking the real client out: wrong secrets from one address soon get 429
 * `invalid_client` with Retry-After — even the right secret from there — while the right secret
 * from another address still works; spraying client ids from one address is slowed too. Failures
 * are audited without the secret. The bootstrap file refuses client secrets under 32 characters,
 * naming the entry.
 */
import { parseBootstrap } from '../../src/bootstrap/apply.js';
import { addApp, auditTypes, startWithMail, type Harness } from '../helpers/sign-in.js';

let h: Harness;
const SECRET = 'billing-secret-value'; // what addApp registers
beforeAll(async () => {
  h = await startWithMail({
    server: { trustProxy: true },
    throttle: { accountFreeAttempts: 3, ipFreeAttempts: 8, maxDelaySeconds: 30, windowSeconds: 3600 },
  });
  await addApp(h.server, 'billing');
});
afterAll(() => h?.close());
beforeEach(() => h.server.testDb.database.db.deleteFrom('throttles').execute());

/** An introspection request (it authenticates the client) from `ip`. */
async function introspect(ip: string, clientId: string, secret: string) {
  const res = await fetch(`${h.server.url}/token/introspection`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
      'x-forwarded-for': ip,
    },
    body: new URLSearchParams({ token: 'not-a-token' }),
  });
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    body: (await res.json()) as { error?: string; active?: boolean },
  };
}

test('wrong secrets from one address get 429 invalid_client + Retry-After; the right secret from elsewhere still works', async () => {
  const attacker = '198.51.100.7';
  for (let i = 0; i < 4; i += 1) {
    const res = await introspect(attacker, 'billing', `wrong-${i}`);
    expect([res.status, res.body.error]).toEqual([401, 'invalid_client']);
  }
  const refused = await introspect(attacker, 'billing', 'wrong-again');
  expect([refused.status, refused.body.error]).toEqual([429, 'invalid_client']);
  expect(Number(refused.retryAfter)).toBeGreaterThan(0);
  // Even the right secret waits from the throttled address…
  expect((await introspect(attacker, 'billing', SECRET)).status).toBe(429);
  // …while the real client's servers elsewhere are not locked out.
  const real = await introspect('203.0.113.9', 'billing', SECRET);
  expect([real.status, real.body.active]).toEqual([200, false]);

  const events = await auditTypes(h.server, { type: 'client.auth_failed' });
  expect(events.length).toBeGreaterThanOrEqual(4);
  expect(events[0]).toMatchObject({ client_id: 'billing', ip: attacker, outcome: 'failure' });
  expect(JSON.stringify(events)).not.toContain('wrong-');
});

test('spraying secrets across clients from one address is throttled per address; sprayed unknown ids add no rows', async () => {
  const sprayer = '198.51.100.8';
  for (const app of ['ledger', 'payroll', 'expenses']) await addApp(h.server, app);
  for (const app of ['ledger', 'payroll', 'expenses']) {
    for (let i = 0; i < 3; i += 1) expect((await introspect(sprayer, app, `wrong-${i}`)).status).toBe(401);
  }
  // 9 failures from this address, 3 per client: the address is over its 8.
  expect((await introspect(sprayer, 'billing', SECRET)).status).toBe(429);
  expect((await introspect('203.0.113.10', 'billing', SECRET)).status).toBe(200);

  const other = '198.51.100.11';
  const statuses = [];
  for (let i = 0; i < 6; i += 1) statuses.push((await introspect(other, `nobody-${i}`, 'whatever')).status);
  expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
  const rows = await h.server.testDb.database.db.selectFrom('throttles').select('key').where('key', 'like', `%${other}%`).execute();
  expect(rows).toHaveLength(2);
});

test("client_secret_post and the token endpoint are throttled the same way; a success resets the client's counter", async () => {
  const ip = '198.51.100.9';
  const post = (secret: string) =>
    fetch(`${h.server.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': ip },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'x', client_id: 'billing', client_secret: secret }),
    }).then((r) => r.status);
  const basicOk = () => introspect(ip, 'billing', SECRET).then((r) => r.status);
  expect([await post('wrong-1'), await post('wrong-2'), await post('wrong-3')]).toEqual([401, 401, 401]);
  expect(await basicOk()).toBe(200); // three failures are free; the success resets them
  expect([await post('wrong-4'), await post('wrong-5'), await post('wrong-6'), await post('wrong-7')]).toEqual([401, 401, 401, 401]);
  expect(await post('wrong-8')).toBe(429);
});

test('the bootstrap file refuses a client secret under 32 characters, naming the entry; 32 and more (or none) are accepted', () => {
  const entry = (id: string, secret?: string) =>
    `{ client_id: ${id}, redirect_uris: [https://a.example/cb]${secret ? `, client_secret: ${secret}` : ''} }`;
  const text = `clients: [${entry('fine', 'x'.repeat(32))}, ${entry('short', 'eight-ch')}]`;
  expect(() => parseBootstrap(text, 'bootstrap.yaml')).toThrow(
    /^bootstrap\.yaml: clients\[1\]\.client_secret: a client secret needs at least 32 characters/,
  );
  expect(() => parseBootstrap(`clients: [${entry('a', 'y'.repeat(31))}]`, 'b.yaml')).toThrow(/clients\[0\]\.client_secret/);
  expect(parseBootstrap(`clients: [${entry('fine', 'x'.repeat(32))}, ${entry('generated')}]`, 'b.yaml').clients).toHaveLength(2);
});
