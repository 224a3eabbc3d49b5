/**
 * An https issuer behind a proxy that terminates TLS but omits X-Forwarded-Proto cannot set its secure
 * cookies: instead of a 500 ("Cannot send secure cookie over unencrypted connection") every page
 * answers a clear, translated configuration error (503), and the log names the missing header once.
 */
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/lib/log.js';
import { startServer, type Running } from '../../src/server.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { TEST_SECRETS } from '../helpers/server.js';

const ISSUER = 'https://id.example.test';
const logLines: string[] = [];
let running: Running;
let testDb: TestDatabase;
let base: string;

beforeAll(async () => {
  const config = loadConfig({
    env: { NODE_ENV: 'test' },
    warn: () => {},
    overrides: { secrets: TEST_SECRETS, server: { issuer: ISSUER, trustProxy: true, port: 0, host: '127.0.0.1' } },
  });
  testDb = await createTestDatabase();
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logLines.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  running = await startServer(config, { database: testDb.database, log: createLogger('warn', sink) });
  base = `http://127.0.0.1:${(running.server.address() as { port: number }).port}`;
  await running.services.clients.upsert({
    client_id: 'proto-rp',
    client_secret: 'proto-client-secret-0123456789abcdef',
    redirect_uris: [`${ISSUER}/cb`],
    grant_types: ['authorization_code'],
    first_party: true,
  });
});
afterAll(async () => {
  await running?.stop();
  await testDb?.drop();
});

const auth =
  `/auth?client_id=proto-rp&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(`${ISSUER}/cb`)}` +
  '&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256';

test('without X-Forwarded-Proto: a translated configuration error page, not a 500; the log names the header once', async () => {
  for (const path of [auth, '/signup', '/account', '/session/end']) {
    const headers = { accept: 'text/html', 'accept-language': 'fr', 'x-forwarded-for': '198.51.100.1' };
    const page = await fetch(`${base}${path}`, { headers, redirect: 'manual' });
    expect([path, page.status]).toEqual([path, 503]);
    const html = await page.text();
    expect(html).toContain('<html lang="fr">');
    expect(html).toContain('X-Forwarded-Proto');
  }
  const api = await fetch(`${base}/token`, { method: 'POST', body: 'grant_type=client_credentials' });
  expect(api.status).toBe(503);
  expect(await api.json()).toMatchObject({ error: 'proxy_misconfigured' });

  const named = logLines.filter((l) => l.includes('X-Forwarded-Proto'));
  expect(named).toHaveLength(1);
  expect(JSON.parse(named[0]).level).toBeGreaterThanOrEqual(40);
});

test('with X-Forwarded-Proto: https the same pages work, and health probes never needed it', async () => {
  const page = await fetch(`${base}${auth}`, { headers: { accept: 'text/html', 'x-forwarded-proto': 'https' }, redirect: 'manual' });
  expect(page.status).toBe(303);
  expect(page.headers.get('location')).toMatch(/^(https:\/\/id\.example\.test)?\/interaction\//);
  expect((await fetch(`${base}/healthz`)).status).toBe(200);
  expect((await fetch(`${base}/readyz`)).status).toBe(200);
});
