/**
 * Issue 16, defect 8: a fresh start (`npm start`, i.e. tsx src/main.ts) prints no "Unsupported
 * runtime" line on this machine's Node.js 20.19+ — while oidc-provider itself, loaded bare, still
 * prints it here (so the check can fail), and the notice is kept on runtimes where it may be right.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BODY_NOTICE, quietOnThisRuntime, RUNTIME_NOTICE } from '../../src/oidc/runtime-notice.js';
import { TEST_SECRETS } from '../helpers/server.js';
import { createTestDatabase } from '../helpers/database.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const major = Number(process.versions.node.split('.')[0]);

test('the notice is dropped only on Node.js 20.19+ below 22 (with the APIs oidc-provider calls)', () => {
  const v = (node: string, extra: Record<string, string> = {}) => ({ ...process.versions, node, ...extra }) as NodeJS.ProcessVersions;
  expect([quietOnThisRuntime(v('20.19.0')), quietOnThisRuntime(v('20.20.2'))]).toEqual([true, true]);
  expect([quietOnThisRuntime(v('20.18.3')), quietOnThisRuntime(v('18.20.0')), quietOnThisRuntime(v('21.7.0'))]).toEqual([
    false,
    false,
    false,
  ]);
  expect(quietOnThisRuntime(v('20.19.0', { bun: '1.2.0' }))).toBe(false);
});

test('oidc-provider loaded on its own prints the notice on this Node.js (below 22)', () => {
  const bare = spawnSync(process.execPath, ['-e', "import('oidc-provider')"], { cwd: root, encoding: 'utf8' });
  if (major < 22) expect(bare.stderr).toContain(RUNTIME_NOTICE);
  else expect(bare.stderr).not.toContain('Unsupported runtime');
});

test('a fresh start prints no "Unsupported runtime" line, nor the body line at its first form POST', async () => {
  const db = process.env.DATABASE_URL ? await createTestDatabase() : undefined;
  const port = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const a = s.address() as net.AddressInfo;
      s.close(() => resolve(a.port));
    });
  });
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      ISSUER: `http://127.0.0.1:${port}`,
      DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'wf-runtime-')),
      ...(db ? { DATABASE_URL: db.url } : {}),
      COOKIE_KEYS: TEST_SECRETS.cookieKeys.join(','),
      ENCRYPTION_KEY: TEST_SECRETS.encryptionKey,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stderr!.on('data', (c) => (stderr += c));
  child.stdout!.on('data', (c) => (stdout += c));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    for (let i = 0; ; i += 1) {
      if (child.exitCode !== null) throw new Error(`the server exited:\n${stdout}\n${stderr}`);
      if (
        await fetch(`http://127.0.0.1:${port}/readyz`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      if (i > 600) throw new Error(`the server did not become ready:\n${stdout}\n${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    // Its sign-in works on this runtime: the discovery document and a page answer.
    expect((await fetch(`http://127.0.0.1:${port}/.well-known/openid-configuration`)).status).toBe(200);
    // A form POST to oidc-provider, whose body Wayfinder reads first (src/http/provider-body.ts): oidc-provider
    // prints BODY_NOTICE at the first one (regression: every instance's log carried that "not recommended").
    const token = await fetch(`http://127.0.0.1:${port}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=nobody&client_secret=wrong',
    });
    expect(token.status).toBe(401);
    await new Promise((r) => setTimeout(r, 300));
  } finally {
    child.kill('SIGTERM');
    await exited;
    await db?.drop();
  }
  expect(stderr).not.toContain('Unsupported runtime');
  expect(stdout).not.toContain('Unsupported runtime');
  expect(stderr + stdout).not.toContain('already parsed request body');
}, 90_000);

test('oidc-provider prints the body line word for word as it is dropped (an upgrade that rewords it fails here)', async () => {
  const source = await import('node:fs/promises').then((fs) =>
    fs.readFile(path.join(root, 'node_modules/oidc-provider/lib/shared/selective_body.js'), 'utf8'),
  );
  const said = /attention\.warn\('([^']*)'\)/s.exec(source.replace(/\\\n/g, ''))?.[1];
  expect(`oidc-provider WARNING: ${said}`).toBe(BODY_NOTICE);
});
