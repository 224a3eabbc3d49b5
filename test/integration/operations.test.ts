/**
 * Operations: health, readiness, metrics, JSON logs without secrets, graceful shutdown, concurrent
 * migrations, and OAuth-style errors for bad input on the token endpoint.
 */
import net from 'node:net';
import { Writable } from 'node:stream';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { loadConfig } from '../../src/config/load.js';
import { migrateToLatest, pendingMigrations } from '../../src/db/migrate.js';
import { createLogger } from '../../src/lib/log.js';
import { startServer, type Running } from '../../src/server.js';
import { PageClient } from '../helpers/browser.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { codeFlow, discover, oidc, REDIRECT_URI } from '../helpers/rp.js';
import { TEST_SECRETS } from '../helpers/server.js';

const PASSWORD = 'operations password 2026';
const METRICS_TOKEN = 'operations-metrics-token-0123456789';
const logLines: string[] = [];
let running: Running;
let testDb: TestDatabase;

beforeAll(async () => {
  const config = loadConfig({ env: { NODE_ENV: 'test' }, overrides: { secrets: TEST_SECRETS, log: { level: 'info' }, server: { metricsToken: METRICS_TOKEN } }, warn: () => {} });
  testDb = await createTestDatabase();
  const sink = new Writable({ write(chunk, _enc, cb) { logLines.push(...String(chunk).split('\n').filter(Boolean)); cb(); } });
  running = await startServer(config, { database: testDb.database, issuerFromPort: true, log: createLogger('info', sink) });
  await running.services.users.create({ email: 'ops@example.test', password: PASSWORD, email_verified: true });
  await running.services.clients.upsert({ client_id: 'ops-rp', client_secret: 'ops-client-secret', redirect_uris: [REDIRECT_URI], grant_types: ['authorization_code', 'refresh_token'], first_party: true });
});
afterAll(async () => {
  await running?.stop();
  await testDb?.drop();
});

test('healthz and readyz', async () => {
  expect(await (await fetch(`${running.url}/healthz`)).json()).toEqual({ status: 'ok' });
  const ready = await fetch(`${running.url}/readyz`);
  expect(ready.status).toBe(200);
  expect(await pendingMigrations(testDb.database.db)).toEqual([]);
});

test('a sign-in leaves metrics by route and login outcome, and no secret in the logs', async () => {
  const config = await discover(running.url, 'ops-rp', 'ops-client-secret');
  const tokens = await codeFlow(config, { page: new PageClient(running.url), email: 'ops@example.test', password: PASSWORD });
  const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);

  const metrics = await (await fetch(`${running.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
  expect(metrics).toMatch(/wayfinder_http_requests_total\{method="POST",route="\/token",status="200"\} \d+/);
  expect(metrics).toMatch(/wayfinder_login_total\{method="pwd",outcome="success"\} 1/);
  expect(metrics).toMatch(/wayfinder_http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/auth"\}/);

  const all = logLines.join('\n');
  expect(logLines.some((l) => JSON.parse(l).requestId)).toBe(true);
  for (const secret of [PASSWORD, 'ops-client-secret', tokens.access_token, tokens.refresh_token!, refreshed.refresh_token!, tokens.id_token!, ...TEST_SECRETS.cookieKeys]) {
    expect(all).not.toContain(secret);
  }
  expect(all).not.toMatch(/code=/); // query strings (authorization codes) are not logged
});

test('bad input on the token endpoint gets OAuth-style 4xx JSON, never a 500', async () => {
  const post = (body: string, type = 'application/x-www-form-urlencoded', auth?: string) => fetch(`${running.url}/token`, {
    method: 'POST', body, headers: { 'content-type': type, ...(auth ? { authorization: auth } : {}) },
  });
  const cases = [
    await post('grant_type=client_credentials&client_id=nobody&client_secret=x'),
    await post('{not json', 'application/json'),
    await post('a'.repeat(2_000_000)),
    await post('grant_type=password&username=a&password=b', undefined, `Basic ${Buffer.from('ops-rp:ops-client-secret').toString('base64')}`),
    await post('grant_type=authorization_code&code=forged', undefined, `Basic ${Buffer.from('ops-rp:ops-client-secret').toString('base64')}`),
    await post('grant_type=refresh_token&refresh_token=forged.token.value', undefined, `Basic ${Buffer.from('ops-rp:ops-client-secret').toString('base64')}`),
  ];
  for (const res of cases) {
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    const body = await res.json();
    expect(typeof body.error).toBe('string');
  }
});

test('unknown pages get a translated 404 page; API callers get JSON', async () => {
  const page = await fetch(`${running.url}/no-such-page`, { headers: { accept: 'text/html', 'accept-language': 'de' } });
  expect(page.status).toBe(404);
  expect(await page.text()).toContain('<html lang="de">');
  const api = await fetch(`${running.url}/no-such-page`, { headers: { accept: 'application/json' } });
  expect(api.status).toBe(404);
  expect(await api.json()).toMatchObject({ error: 'not_found' });
});

test('concurrent migrations apply each migration once', async () => {
  const other = await createTestDatabase();
  try {
    const dbs = other.url
      ? [1, 2, 3].map(() => new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: other.url, max: 2 }) }) }))
      : [other.database.db, other.database.db, other.database.db];
    const results = await Promise.all(dbs.map((db) => migrateToLatest(db)));
    expect(results.flat().sort()).toEqual(Object.keys((await import('../../migrations/index.js')).migrations).sort());
    if (other.url) await Promise.all(dbs.map((db) => db.destroy()));
  } finally {
    await other.drop();
  }
});

test('graceful shutdown lets an in-flight request finish and refuses new connections', async () => {
  const port = new URL(running.url).port;
  const socket = net.connect(Number(port), '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  const response = new Promise<string>((resolve) => {
    let data = '';
    socket.on('data', (c) => { data += c; });
    socket.on('close', () => resolve(data));
  });
  const body = 'grant_type=client_credentials';
  socket.write(`POST /token HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`);
  socket.write(body.slice(0, 5));
  await new Promise((r) => setTimeout(r, 100));
  const stopping = running.stop();
  await new Promise((r) => setTimeout(r, 100));
  await expect(fetch(`${running.url}/healthz`)).rejects.toThrow();
  socket.write(body.slice(5));
  expect(await response).toMatch(/^HTTP\/1.1 400/); // answered (no client auth), not cut off
  await stopping;
});
