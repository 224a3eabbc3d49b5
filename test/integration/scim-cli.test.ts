/**
 * SCIM tokens from the operator's side, run as an operator runs it (the compiled CLI as a child
 * process, on the embedded database, or on Postgres when DATABASE_URL is set): `scim token create`
 * prints the token alone on stdout (scripts capture it), and it authenticates as its organization
 * only; `list` shows it without the secret; `revoke` stops it; mistakes are one line and exit 1 or 2.
 */
import { execFile } from 'node:child_process';
import { createScimStore } from '../../src/provisioning/store.js';
import { createScimTokens } from '../../src/provisioning/tokens.js';
import { cliSetup, cliTargets, root, SLOW, type CliResult, type CliSetup } from '../helpers/cli.js';

describe.each(cliTargets())('scim token on %s', (target) => {
  let cli: CliSetup;
  const run = (...args: string[]) => cli.run(...args);
  const withServices: CliSetup['withServices'] = (fn) => cli.withServices(fn);
  const authenticate = (token: string) => withServices((s) => createScimTokens(createScimStore(s.db), s.audit).authenticate(token));

  beforeAll(async () => {
    cli = await cliSetup(target, 'scim-cli');
    expect((await run('migrate')).code).toBe(0);
    await withServices(async (s) => {
      await s.orgs.upsert({ id: 'org-acme', slug: 'acme', name: 'Acme' });
      await s.orgs.upsert({ id: 'org-globex', slug: 'globex', name: 'Globex' });
    });
  }, SLOW);
  afterAll(() => cli.close());

  test(
    'create prints the token alone; it authenticates as its organization; list shows it; revoke stops it',
    async () => {
      const created = await run('scim', 'token', 'create', '--org', 'acme', '--label', 'Entra ID');
      expect(created.code).toBe(0);
      expect(created.stdout).toMatch(/^wfscim_[A-Za-z0-9_-]{43}\n$/);
      expect(created.stderr).toContain('base URL https://id.example.test/scim/v2');
      const token = created.stdout.trim();
      const who = await authenticate(token);
      expect(who?.orgId).toBe('org-acme');
      // Stored hashed: the token itself is nowhere in the table.
      const rows = await withServices((s) => s.db.selectFrom('scim_tokens').selectAll().execute());
      expect(JSON.stringify(rows)).not.toContain(token.slice(7));

      const list = await run('scim', 'token', 'list', '--org', 'acme');
      expect(list.code).toBe(0);
      expect(list.stdout).toContain(who!.tokenId);
      expect(list.stdout).toContain('Entra ID');
      expect(list.stdout).not.toContain(token.slice(7));
      expect((await run('scim', 'token', 'list', '--org', 'globex')).stdout).toBe('globex has no SCIM tokens\n');

      // Another organization cannot revoke it; its own can.
      const foreign = await run('scim', 'token', 'revoke', '--org', 'globex', who!.tokenId);
      expect([foreign.code, foreign.stderr.split('\n')[0]]).toEqual([1, `error: no SCIM token ${who!.tokenId} in this organization`]);
      expect(await authenticate(token)).toBeDefined();
      const revoked = await run('scim', 'token', 'revoke', '--org', 'acme', who!.tokenId);
      expect([revoked.code, revoked.stdout]).toEqual([0, `SCIM token ${who!.tokenId} of acme is revoked\n`]);
      expect(await authenticate(token)).toBeUndefined();
      const types = await withServices((s) => s.audit.recent({ limit: 20 }));
      expect(types.map((e) => e.type)).toEqual(expect.arrayContaining(['scim.token_created', 'scim.token_revoked']));
    },
    SLOW,
  );

  test(
    'through npm exactly as documented (`npm run wayfinder -- scim token create --org acme`), stdout is the token alone',
    async () => {
      // npm writes a "> wayfinder@… wayfinder" banner on stdout before a script unless its log level is
      // silent; the project's .npmrc sets it, so a script's $(…) captures only the token.
      const viaNpm = await new Promise<CliResult>((resolve) => {
        const { npm_config_loglevel: _l, ...npmEnv } = cli.env;
        execFile(
          'npm',
          ['run', 'wayfinder', '--', 'scim', 'token', 'create', '--org', 'acme'],
          { cwd: root, env: npmEnv, timeout: 120_000 },
          (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }),
        );
      });
      expect([viaNpm.code, viaNpm.stdout]).toEqual([0, expect.stringMatching(/^wfscim_[A-Za-z0-9_-]{43}\n$/)]);
      expect((await authenticate(viaNpm.stdout.trim()))?.orgId).toBe('org-acme');
    },
    SLOW,
  );

  test(
    'scim notify sets, shows and clears the provisioning-error address; bad input is one line',
    async () => {
      const address = () =>
        withServices((s) =>
          s.db
            .selectFrom('organizations')
            .select(['provisioning_notify_email', 'provisioning_notify_lang'])
            .where('slug', '=', 'acme')
            .executeTakeFirstOrThrow(),
        );
      expect((await run('scim', 'notify', '--org', 'acme')).stdout).toBe('acme has no notification address\n');
      const set = await run('scim', 'notify', '--org', 'acme', '--email', 'it@acme.test', '--lang', 'de');
      expect(set.code).toBe(0);
      expect(set.stdout).toContain(
        'acme: provisioning errors are mailed to it@acme.test (after 5 failed requests in a row within 15 minutes',
      );
      expect(await address()).toEqual({ provisioning_notify_email: 'it@acme.test', provisioning_notify_lang: 'de' });
      expect((await run('scim', 'notify', '--org', 'acme')).stdout).toMatch(/^acme: it@acme\.test \(de\), after 5 failed/);
      const bad = await run('scim', 'notify', '--org', 'acme', '--email', 'not-an-address');
      expect([bad.code, bad.stderr.split('\n')[0]]).toEqual([1, 'error: not-an-address is not an email address']);
      expect((await run('scim', 'notify', '--org', 'acme', '--email', 'it@acme.test', '--clear')).code).toBe(2);
      expect((await run('scim', 'notify', '--org', 'acme', '--clear')).stdout).toBe('acme: no more provisioning-error mail\n');
      expect(await address()).toEqual({ provisioning_notify_email: null, provisioning_notify_lang: null });
      const types = await withServices((s) => s.audit.recent({ limit: 50 }));
      expect(types.filter((e) => e.type === 'scim.notify_changed')).toHaveLength(2);
    },
    SLOW,
  );

  test(
    'mistakes: an unknown organization is one line and exit 1; a missing --org is exit 2 with the usage',
    async () => {
      const unknown = await run('scim', 'token', 'create', '--org', 'nope');
      expect([unknown.code, unknown.stdout, unknown.stderr.split('\n')[0]]).toEqual([1, '', 'error: no organization nope']);
      const missing = await run('scim', 'token', 'create');
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('--org is required');
    },
    SLOW,
  );
});
