/**
 * Operations: health, readiness, metrics, JSON logs without secrets, graceful shutdown, concurrent
 * migrations, and OAuth-style errors for bad input on the token endpoint.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
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
  const overrides = { secrets: TEST_SECRETS, log: { level: 'info' }, server: { metricsToken: METRICS_TOKEN } };
  const config = loadConfig({ env: { NODE_ENV: 'test' }, overrides, warn: () => {} });
  testDb = await createTestDatabase();
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logLines.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  running = await startServer(config, { database: testDb.database, issuerFromPort: true, log: createLogger('info', sink) });
  await running.services.users.create({ email: 'ops@example.test', password: PASSWORD, email_verified: true });
  await running.services.clients.upsert({
    client_id: 'ops-rp',
    client_secret: 'ops-client-secret',
    redirect_uris: [REDIRECT_URI],
    grant_types: ['authorization_code', 'refresh_token'],
    first_party: true,
  });
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
  for (const secret of [
    PASSWORD,
    'ops-client-secret',
    tokens.access_token,
    tokens.refresh_token!,
    refreshed.refresh_token!,
    tokens.id_token!,
    ...TEST_SECRETS.cookieKeys,
  ]) {
    expect(all).not.toContain(secret);
  }
  expect(all).not.toMatch(/code=/); // query strings (authorization codes) are not logged
});

test('bad input on the token endpoint gets OAuth-style 4xx JSON, never a 500', async () => {
  const post = (body: string, type = 'application/x-www-form-urlencoded', auth?: string) =>
    fetch(`${running.url}/token`, {
      method: 'POST',
      body,
      headers: { 'content-type': type, ...(auth ? { authorization: auth } : {}) },
    });
  const cases = [
    await post('grant_type=client_credentials&client_id=nobody&client_secret=x'),
    await post('{not json', 'application/json'),
    await post('a'.repeat(2_000_000)),
    await post(
      'grant_type=password&username=a&password=b',
      undefined,
      `Basic ${Buffer.from('ops-rp:ops-client-secret').toString('base64')}`,
    ),
    await post(
      'grant_type=authorization_code&code=forged',
      undefined,
      `Basic ${Buffer.from('ops-rp:ops-client-secret').toString('base64')}`,
    ),
    await post(
      'grant_type=refresh_token&refresh_token=forged.token.value',
      undefined,
      `Basic ${Buffer.from('ops-rp:ops-client-secret').toString('base64')}`,
    ),
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
  const other = await createTestDatabase({ empty: true });
  try {
    const dbs = other.url
      ? [1, 2, 3].map(
          () => new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: other.url, max: 2 }) }) }),
        )
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
    socket.on('data', (c) => {
      data += c;
    });
    socket.on('close', () => resolve(data));
  });
  const body = 'grant_type=client_credentials';
  socket.write(
    `POST /token HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
  );
  socket.write(body.slice(0, 5));
  await new Promise((r) => setTimeout(r, 100));
  const stopping = running.stop();
  await new Promise((r) => setTimeout(r, 100));
  await expect(fetch(`${running.url}/healthz`)).rejects.toThrow();
  socket.write(body.slice(5));
  expect(await response).toMatch(/^HTTP\/1.1 400/); // answered (no client auth), not cut off
  await stopping;
});

const drops: string[] = [];
let sigtermAt = 0;
/**
 * One request on a connection of its own; `delayMs` between connecting and sending (a slow client).
 * A connection made before SIGTERM holds a request in flight: it must be answered. One whose handshake
 * completes after SIGTERM may be refused or reset (the server stops accepting; a kernel-queued
 * connection is reset when the listening socket closes, which no process can prevent): it is `late`.
 */
function oneShot(port: number, delayMs: number) {
  return new Promise<'answered' | 'refused' | 'dropped' | 'late'>((resolve) => {
    let connectedAt = 0;
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    socket.on('connect', () => {
      connectedAt = Date.now();
      setTimeout(() => socket.write(`GET /readyz HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`), delayMs);
    });
    socket.on('data', (c) => {
      data += c;
    });
    socket.on('error', () => {
      /* judged on close */
    });
    socket.on('close', () => {
      if (/^HTTP\/1\.1 \d{3} /.test(data) && /\r\n\r\n\{.*\}$/s.test(data)) resolve('answered');
      else if (!connectedAt) resolve('refused');
      else if (sigtermAt && connectedAt >= sigtermAt) resolve('late');
      else {
        drops.push(`${Date.now() - sigtermAt} ${data.length} ${delayMs}`);
        resolve('dropped');
      }
    });
  });
}

test('SIGTERM under load from clients that open a connection per request drops no in-flight request', async () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'wf-drain-'));
  const db = process.env.DATABASE_URL ? await createTestDatabase() : undefined;
  const port = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const a = s.address() as net.AddressInfo;
      s.close(() => resolve(a.port));
    });
  });
  const child = spawn(process.execPath, ['dist/src/main.js'], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      ISSUER: `http://127.0.0.1:${port}`,
      DATA_DIR: dataDir,
      ...(db ? { DATABASE_URL: db.url } : {}),
      COOKIE_KEYS: TEST_SECRETS.cookieKeys.join(','),
      ENCRYPTION_KEY: TEST_SECRETS.encryptionKey,
      LOG_LEVEL: 'warn',
      SHUTDOWN_GRACE_SECONDS: '10',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c) => {
    out += c;
  });
  child.stderr!.on('data', (c) => {
    out += c;
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  try {
    for (let i = 0; ; i += 1) {
      if (child.exitCode !== null) throw new Error(`the server exited:\n${out}`);
      if (
        await fetch(`http://127.0.0.1:${port}/readyz`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      if (i > 600) throw new Error(`the server did not become ready:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const counts = { answered: 0, refused: 0, dropped: 0, late: 0 };
    let signalled = false;
    const clients = Array.from({ length: 24 }, async (_, n) => {
      for (;;) {
        const outcome = await oneShot(port, n % 2 ? 40 : 0);
        counts[outcome] += 1;
        if (outcome !== 'answered' && signalled) return;
      }
    });
    // A kept-alive connection, idle between two requests: closed at once, it does not hold the drain.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const kept = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http
        .get(`http://127.0.0.1:${port}/healthz`, { agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(res));
        })
        .on('error', reject);
    });
    expect(kept.headers.connection).toBe('keep-alive');
    await new Promise((r) => setTimeout(r, 700));
    signalled = true;
    const sent = Date.now();
    sigtermAt = sent;
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(Date.now() - sent).toBeLessThan(8000); // well within SHUTDOWN_GRACE_SECONDS=10
    await Promise.all(clients);
    agent.destroy();
    // Every request in flight at SIGTERM answered (each drop: ms after SIGTERM, bytes received, send delay).
    expect([counts.dropped, drops]).toEqual([0, []]);
    expect(counts.answered).toBeGreaterThan(24);
  } finally {
    if (child.exitCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 90_000);
