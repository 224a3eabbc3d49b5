/**
 * Social providers from the operator's side, run as an operator runs it (child processes of the
 * compiled CLI, on the embedded database and on Postgres when DATABASE_URL is set): `social add
 * --file` (the bootstrap entry's shape; the secret sealed and never printed, the callback URL
 * printed), `social list`, `social disable | enable`, and a bad entry refused with its path.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const SLOW = 180_000;
interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}
const cli = (env: NodeJS.ProcessEnv, ...args: string[]) =>
  new Promise<Result>((resolve) => {
    execFile(process.execPath, ['dist/src/cli/main.js', ...args], { cwd: root, env, timeout: 90_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }),
    );
  });
const rows = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(/ {2,}/));

const { NODE_OPTIONS: _o, DATABASE_URL: _u, DATA_DIR: _d, ...inherited } = process.env;
const targets = ['pglite', ...(process.env.DATABASE_URL ? ['postgres'] : [])];

describe.each(targets)('social providers on %s', (target) => {
  let env: NodeJS.ProcessEnv;
  let dir: string;
  let pgdb: TestDatabase | undefined;
  const run = (...args: string[]) => cli(env, ...args);
  const file = (doc: unknown) => {
    const f = path.join(dir, `e${Math.random().toString(16).slice(2)}.yaml`);
    writeFileSync(f, YAML.stringify(doc));
    return f;
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'wf-social-cli-'));
    env = { ...inherited, NODE_ENV: 'test', DATA_DIR: dir, ISSUER: 'https://id.example.test' };
    if (target === 'postgres') {
      pgdb = await createTestDatabase();
      env.DATABASE_URL = pgdb.url;
    }
    expect((await run('migrate')).code).toBe(0);
  }, SLOW);
  afterAll(async () => {
    await pgdb?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  test(
    'add, list, disable, enable; a bad entry refused with its path',
    async () => {
      const entry = {
        provider: 'google',
        id: 'google',
        name: 'Google',
        client_id: 'g-client',
        client_secret: 'very-secret-value',
        allow_sign_up: true,
      };
      const added = await run('social', 'add', '--file', file(entry));
      expect(added.code).toBe(0);
      expect(added.stdout).toContain('created social provider google (google)');
      expect(added.stdout).toContain('callback URL: https://id.example.test/social/callback/google');
      expect(added.stdout + added.stderr).not.toContain('very-secret-value');
      expect((await run('social', 'add', '--file', file(entry))).stdout).toContain('unchanged: social provider google');

      expect(rows((await run('social', 'list')).stdout)).toEqual([['google', 'google', 'Google', 'yes', 'yes', 'no']]);
      expect((await run('social', 'disable', 'google')).stdout).toContain('social provider google disabled');
      expect(rows((await run('social', 'list')).stdout)[0][3]).toBe('no');
      expect((await run('social', 'enable', 'google')).code).toBe(0);

      const bad = await run('social', 'add', '--file', file({ provider: 'oidc', id: 'vault', name: 'Vault', client_id: 'v' }));
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/^error: .*needs its issuer/m);
      const unknown = await run('social', 'add', '--file', file({ ...entry, provider: 'myspace' }));
      expect(unknown.stderr).toMatch(/^error: .*provider/m);
    },
    SLOW,
  );
});
