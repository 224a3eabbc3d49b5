/**
 * A database outage is a 503 with Retry-After on every endpoint that needs the database (JSON for
 * programs, a translated page for people), never a 500 or a crash; the log says "database unavailable"
 * once per outage (not per request) and "database available again" once; the server recovers by
 * itself. The outage is made with a small TCP proxy between Wayfinder and Postgres (the shared Postgres
 * keeps running): its backends are terminated ("terminating connection due to administrator command"),
 * then the proxy stops listening (connection refused), then listens again.
 * Needs a Postgres: DATABASE_URL, else the one on 127.0.0.1:5432; skipped when there is none.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { Writable } from 'node:stream';
import pg from 'pg';
import { loadConfig } from '../../src/config/load.js';
import { openDatabase, type Database } from '../../src/db/index.js';
import { createLogger } from '../../src/lib/log.js';
import { startServer, type Running } from '../../src/server.js';
import { scratchPostgres } from '../helpers/database.js';
import { TEST_SECRETS } from '../helpers/server.js';

const BASE = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const upstream = new URL(BASE);
const logLines: string[] = [];
const rejections: unknown[] = [];
const onRejection = (reason: unknown) => {
  rejections.push(reason);
};

/** A TCP proxy to Postgres that can be cut (backends dropped, port closed) and restored on the same port. */
function dbProxy() {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const pgSocket = net.connect(Number(upstream.port || 5432), upstream.hostname);
    for (const s of [client, pgSocket]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => s.destroy());
    }
    client.pipe(pgSocket).pipe(client);
    client.on('close', () => pgSocket.destroy());
    pgSocket.on('close', () => client.destroy());
  });
  let port = 0;
  return {
    get port() {
      return port;
    },
    async listen() {
      await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
      port = (server.address() as net.AddressInfo).port;
    },
    /**
     * Stops listening first (new connections are refused, so nothing can reconnect in between), then runs
     * `whileOpen` (Postgres terminates the backends of the connections still open), then drops the rest.
     */
    async cut(whileOpen: () => Promise<void> = async () => {}) {
      const closed = new Promise<void>((r) => server.close(() => r()));
      await whileOpen();
      for (const s of sockets) s.destroy();
      await closed;
    },
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

const proxy = dbProxy();
let available = false;
let scratch: Awaited<ReturnType<typeof scratchPostgres>>;
let name = '';
let database: Database;
let running: Running;

beforeAll(async () => {
  scratch = await scratchPostgres('wf_t_outage');
  if (!scratch) return;
  available = true;
  name = scratch.url.pathname.slice(1);
  await proxy.listen();
  const url = new URL(scratch.url);
  url.host = `127.0.0.1:${proxy.port}`;
  database = await openDatabase({ database: { url: url.toString(), dataDir: '/tmp', poolSize: 5 } });
  const config = loadConfig({ env: { NODE_ENV: 'test' }, overrides: { secrets: TEST_SECRETS }, warn: () => {} });
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logLines.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  running = await startServer(config, { database, issuerFromPort: true, log: createLogger('info', sink) });
  await running.services.clients.upsert({
    client_id: 'outage-rp',
    client_secret: 'outage-client-secret-0123456789abcdef',
    redirect_uris: ['https://rp.example.test/cb'],
    grant_types: ['authorization_code'],
    first_party: true,
  });
  process.on('unhandledRejection', onRejection);
}, 60_000);

afterAll(async () => {
  process.off('unhandledRejection', onRejection);
  if (!available) return;
  await running?.stop();
  await database?.close();
  proxy.close();
  await scratch?.drop();
});

interface Outcome {
  kind: string;
  start: number;
  end: number;
  status: number;
  retryAfter: string | null;
  type: string;
  error?: string;
}

const basic = `Basic ${Buffer.from('outage-rp:outage-client-secret-0123456789abcdef').toString('base64')}`;
const REQUESTS: Record<string, (base: string) => Promise<Response>> = {
  token: (base) =>
    fetch(`${base}/token`, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=authorization_code&redirect_uri=https://rp.example.test/cb&code=${randomBytes(32).toString('base64url')}`,
    }),
  auth: (base) =>
    fetch(
      `${base}/auth?client_id=outage-rp&response_type=code&scope=openid&redirect_uri=https://rp.example.test/cb` +
        '&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256',
      { headers: { accept: 'text/html', 'accept-language': 'de' }, redirect: 'manual' },
    ),
  readyz: (base) => fetch(`${base}/readyz`),
};
/** What each request answers while the database is up. */
const HEALTHY: Record<string, number> = { token: 400, auth: 303, readyz: 200 };

async function once(kind: string): Promise<Outcome> {
  const start = Date.now();
  try {
    const res = await REQUESTS[kind](running.url);
    const body = await res.text();
    const type = `${res.headers.get('content-type')} ${body.slice(0, 80)}`;
    return { kind, start, end: Date.now(), status: res.status, retryAfter: res.headers.get('retry-after'), type };
  } catch (err) {
    return { kind, start, end: Date.now(), status: 0, retryAfter: null, type: '', error: String((err as Error).cause ?? err) };
  }
}

test('under parallel requests, an outage is 503 + Retry-After everywhere, logged once, and recovery takes under 1 s', async () => {
  if (!available) {
    console.warn('database-outage: no Postgres reachable, skipped');
    return;
  }
  for (const kind of Object.keys(REQUESTS)) expect((await once(kind)).status).toBe(HEALTHY[kind]);

  const outcomes: Outcome[] = [];
  let stop = false;
  const workers = Array.from({ length: 4 }, async (_, w) => {
    const kinds = Object.keys(REQUESTS);
    for (let i = w; !stop; i += 1) outcomes.push(await once(kinds[i % kinds.length]));
  });
  await new Promise((r) => setTimeout(r, 300));

  // Postgres drops our backends (as on a shutdown) and is unreachable from then on. The proxy stops
  // listening before the backends are dropped: otherwise the probe could reconnect in between and log
  // a real, but brief, "available again" (CI saw that on a loaded machine).
  const admin = new pg.Client({ connectionString: BASE });
  await admin.connect();
  await proxy.cut(async () => {
    await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name]);
  });
  const cutAt = Date.now();
  await admin.end();
  // At least 1.5 s of outage, and long enough for a dozen requests to run inside it on a loaded machine.
  const inside = () => outcomes.filter((o) => o.start > cutAt + 50).length;
  while (Date.now() - cutAt < 1500 || (inside() < 12 && Date.now() - cutAt < 15_000)) await new Promise((r) => setTimeout(r, 50));
  const restoredAt = Date.now();
  await proxy.listen();

  // Recovery: the first success of every kind after the restore, within 1 s.
  const recovered: Record<string, number> = {};
  while (Date.now() - restoredAt < 3000 && Object.keys(recovered).length < 3) {
    for (const kind of Object.keys(REQUESTS)) {
      const o = await once(kind);
      if (o.status === HEALTHY[kind]) recovered[kind] ??= o.end - restoredAt;
    }
  }
  stop = true;
  await Promise.all(workers);

  expect(outcomes.filter((o) => o.status === 0 || (o.status >= 500 && o.status !== 503))).toEqual([]);
  const during = outcomes.filter((o) => o.start > cutAt + 50 && o.end < restoredAt);
  expect(during.length).toBeGreaterThan(10);
  for (const o of during) {
    expect([o.kind, o.status, o.retryAfter]).toEqual([o.kind, 503, expect.stringMatching(/^\d+$/)]);
    if (o.kind === 'auth') expect(o.type).toMatch(/^text\/html.*<html lang="de">/s);
    if (o.kind === 'token') expect(o.type).toMatch(/^application\/json.*temporarily_unavailable/);
  }
  expect(Object.keys(recovered).sort()).toEqual(['auth', 'readyz', 'token']);
  for (const ms of Object.values(recovered)) expect(ms).toBeLessThan(1000);

  await new Promise((r) => setTimeout(r, 300)); // the probe's "available again" line
  const lines = logLines.map((l) => JSON.parse(l) as { msg: string; level: number; err?: unknown });
  expect(lines.filter((l) => /database unavailable/.test(l.msg))).toHaveLength(1);
  expect(lines.filter((l) => /database available again/.test(l.msg))).toHaveLength(1);
  expect(lines.filter((l) => l.level >= 50 && !/database unavailable/.test(l.msg))).toEqual([]); // no per-request error lines
  expect(rejections).toEqual([]);
}, 60_000);
