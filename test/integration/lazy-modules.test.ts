/**
 * Memory regression: the compiled server, started as production starts it, serves OIDC pages and a
 * whole password sign-in without loading the libraries only SAML, passkeys, phone numbers, QR codes
 * and SMTP need (10–40 MB of resident memory each; src/lib/lazy-module.ts), nor @peculiar/x509 (the
 * SAML certificates are made on first SAML use). The first SAML request then loads samlify — which
 * also shows the probe sees what it should.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_EMAIL } from '../../src/bootstrap/demo.js';
import { PageClient, signInWithPassword } from '../helpers/browser.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { TEST_SECRETS } from '../helpers/server.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const HEAVY = [
  'samlify',
  'libxmljs',
  'xml-crypto',
  '@simplewebauthn/server',
  'libphonenumber-js',
  'qrcode',
  'nodemailer',
  '@peculiar/x509',
];

let child: ChildProcess;
let out = '';
let dataDir: string;
let testDb: TestDatabase | undefined;
let base: string;

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

async function loadedPackages(): Promise<string[]> {
  const from = out.length;
  child.kill('SIGUSR2');
  for (let i = 0; i < 100; i += 1) {
    const m = /LOADED_PACKAGES (\[.*\])\n/.exec(out.slice(from));
    if (m) return JSON.parse(m[1]) as string[];
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no answer to SIGUSR2:\n${out}`);
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'wf-lazy-'));
  // Postgres when the suite runs on it (a database of its own); otherwise PGlite in a temporary folder.
  if (process.env.DATABASE_URL) testDb = await createTestDatabase();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  child = spawn(process.execPath, ['--import', './test/helpers/loaded-packages.mjs', 'dist/src/main.js'], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      ISSUER: base,
      DATA_DIR: dataDir,
      ...(testDb ? { DATABASE_URL: testDb.url } : {}),
      COOKIE_KEYS: TEST_SECRETS.cookieKeys.join(','),
      ENCRYPTION_KEY: TEST_SECRETS.encryptionKey,
      DEMO: 'true',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (c) => {
    out += c;
  });
  child.stderr!.on('data', (c) => {
    out += c;
  });
  for (let i = 0; ; i += 1) {
    if (child.exitCode !== null) throw new Error(`the server exited:\n${out}`);
    if (
      await fetch(`${base}/readyz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (i > 600) throw new Error(`the server did not become ready:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}, 90_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  await testDb?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('OIDC discovery, JWKS and a whole password sign-in load none of the SAML, passkey, phone, QR or SMTP libraries', async () => {
  expect((await fetch(`${base}/.well-known/openid-configuration`)).status).toBe(200);
  expect((await fetch(`${base}/jwks`)).status).toBe(200);
  // The demo app's sign-in with the password printed at the first start: /demo/start → /auth → pages
  // → /demo/callback, which exchanges the code at /token and shows the ID token's claims.
  const password = /Demo password:\s+(\S+)/.exec(out)?.[1];
  expect(password).toBeDefined();
  const browser = new PageClient(base);
  const interaction = await browser.get('/demo/start');
  expect(interaction).toMatch(/\/interaction\//);
  const landed = await signInWithPassword(browser, interaction, DEMO_EMAIL, password!);
  expect(new URL(landed).pathname).toBe('/demo/callback');
  expect(browser.last.status).toBe(200);
  expect(browser.last.body).toContain('urn:wayfinder:acr:pwd'); // the demo shows the ID token's claims
  const loaded = await loadedPackages();
  expect(loaded).toContain('koa'); // the probe sees CommonJS packages
  expect(loaded.filter((p) => HEAVY.includes(p))).toEqual([]);
});

test('the first SAML request loads samlify (and our SAML metadata is still served)', async () => {
  const metadata = await fetch(`${base}/saml/metadata`);
  expect(metadata.status).toBe(200);
  expect(await metadata.text()).toContain('IDPSSODescriptor');
  expect(await loadedPackages()).toContain('samlify');
});
