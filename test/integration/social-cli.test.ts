/**
 * Social providers from the operator's side, run as an operator runs it (child processes of the
 * compiled CLI, on the embedded database, or on Postgres when DATABASE_URL is set): `social add
 * --file` (the bootstrap entry's shape; the secret sealed and never printed, the callback URL
 * printed), `social list`, `social disable | enable`, and a bad entry refused with its path.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { cliSetup, cliTargets, SLOW, tableRows as rows, type CliSetup } from '../helpers/cli.js';

describe.each(cliTargets())('social providers on %s', (target) => {
  let cli: CliSetup;
  const run = (...args: string[]) => cli.run(...args);
  const file = (doc: unknown) => {
    const f = path.join(cli.dir, `e${Math.random().toString(16).slice(2)}.yaml`);
    writeFileSync(f, YAML.stringify(doc));
    return f;
  };

  beforeAll(async () => {
    cli = await cliSetup(target, 'social-cli');
    expect((await run('migrate')).code).toBe(0);
  }, SLOW);
  afterAll(() => cli.close());

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
