/**
 * The demo (a demo person whose password is printed, and the /demo app) is for a first look on a
 * laptop: outside development it is off unless DEMO=true asks for it. Checked on the configuration
 * and on a real production server (the compiled build, as the container runs it).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config/load.js';
import { DEMO_EMAIL } from '../../src/bootstrap/demo.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { TEST_SECRETS } from '../helpers/server.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const secrets = { COOKIE_KEYS: TEST_SECRETS.cookieKeys.join(','), ENCRYPTION_KEY: TEST_SECRETS.encryptionKey };

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

test('configuration: the demo is on in development only, unless DEMO says otherwise', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'wf-demo-'));
  try {
    const demo = (env: Record<string, string>) => loadConfig({ env: { DATA_DIR: dataDir, ...secrets, ...env }, warn: () => {} }).demo;
    expect(demo({ NODE_ENV: 'production' })).toBe(false);
    expect(demo({ NODE_ENV: 'test' })).toBe(false);
    expect(demo({})).toBe(true); // development
    expect(demo({ NODE_ENV: 'production', DEMO: 'true' })).toBe(true);
    expect(demo({ DEMO: 'false' })).toBe(false);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('NODE_ENV=production without DEMO: no /demo, no demo person, no password printed', async () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'wf-demo-'));
  let testDb: TestDatabase | undefined;
  if (process.env.DATABASE_URL) testDb = await createTestDatabase();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['dist/src/main.js'], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      ISSUER: base,
      DATA_DIR: dataDir,
      ...(testDb ? { DATABASE_URL: testDb.url } : {}),
      ...secrets,
      LOG_LEVEL: 'warn',
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
  try {
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
    expect((await fetch(`${base}/demo`, { headers: { accept: 'text/html' } })).status).toBe(404);
    expect((await fetch(`${base}/demo/start`, { redirect: 'manual' })).status).toBe(404);
    expect(out).not.toContain(DEMO_EMAIL);
    expect(out).not.toMatch(/Demo password/);
  } finally {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await testDb?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 90_000);
