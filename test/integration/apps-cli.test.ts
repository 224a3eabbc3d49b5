/**
 * `wayfinder app list | set`, run as an operator runs it (child processes of the compiled CLI, on the
 * embedded database, or on Postgres when DATABASE_URL is set): apps appear as clients and SPs are
 * registered, launcher fields and who may use an app are set (and cleared), an icon file is checked
 * by its bytes, bad URLs, unknown groups and unknown apps are one-line refusals.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { cliSetup, cliTargets, errorLines, SLOW, tableRows as rows, type CliSetup } from '../helpers/cli.js';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

describe.each(cliTargets())('wayfinder app on %s', (target) => {
  let cli: CliSetup;
  let dir: string;
  const run = (...args: string[]) => cli.run(...args);

  beforeAll(async () => {
    cli = await cliSetup(target, 'apps-cli');
    dir = cli.dir;
    const file = path.join(dir, 'bootstrap.yaml');
    writeFileSync(
      file,
      `users: [{ email: ann@acme.test, password: "correct horse battery staple" }, { email: gil@globex.test }]
organizations:
  - { slug: acme, name: Acme, members: [{ email: ann@acme.test }], groups: [{ name: sales, members: [ann@acme.test] }] }
  - { slug: globex, name: Globex, members: [{ email: gil@globex.test }], groups: [{ name: sales, members: [gil@globex.test] }] }
clients:
  - { client_id: notes, client_name: Notes, redirect_uris: [https://notes.example.test/cb], token_endpoint_auth_method: none, initiate_login_uri: https://notes.example.test/login }
  - { client_id: robot, grant_types: [client_credentials], token_endpoint_auth_method: none }
`,
    );
    expect((await run('migrate')).code).toBe(0);
    expect((await run('bootstrap', 'apply', file)).stderr).not.toMatch(/error/);
  }, SLOW);
  afterAll(() => cli.close());

  test(
    'app list shows people-facing apps; app set changes launcher fields, icon and who may use it',
    async () => {
      let list = await run('app', 'list');
      expect(list.code).toBe(0);
      // The client-credentials robot is no app for people; My account is not listed either.
      expect(rows(list.stdout)).toEqual([['oidc-notes', 'Notes', 'https://notes.example.test/login', '-', '-', 'everyone']]);

      const icon = path.join(dir, 'notes.png');
      writeFileSync(icon, PNG);
      const set = await run(
        'app',
        'set',
        'notes',
        '--name',
        'Team notes',
        '--trial-url',
        'https://notes.example.test/trial',
        '--icon-file',
        icon,
        '--access-orgs',
        'globex',
        '--access-groups',
        'acme/sales',
      );
      expect(set.stderr).toBe('');
      expect(set.stdout.trim()).toBe('updated app oidc-notes (Team notes): who may use it: globex, acme/sales');
      list = await run('app', 'list');
      expect(rows(list.stdout)).toEqual([
        [
          'oidc-notes',
          'Team notes',
          'https://notes.example.test/login',
          'https://notes.example.test/trial',
          'uploaded',
          'org:globex group:acme/sales',
        ],
      ]);

      // A plain group name is that group in every organization that has one (no organization listed).
      expect((await run('app', 'set', 'oidc-notes', '--access-groups', 'sales')).stdout).toContain(
        'who may use it: acme/sales, globex/sales',
      );
      expect((await run('app', 'set', 'oidc-notes', '--everyone', '--trial-url', '')).stdout).toContain('who may use it: everyone');
      expect(rows((await run('app', 'list')).stdout)[0][3]).toBe('-');
    },
    SLOW,
  );

  test(
    'refusals are one line: bad URLs, SVG icons, unknown groups and apps, conflicting flags',
    async () => {
      const svg = path.join(dir, 'icon.svg');
      writeFileSync(svg, '<svg xmlns="http://www.w3.org/2000/svg"/>');
      const cases: Array<[string[], RegExp, number]> = [
        [['app', 'set', 'notes', '--trial-url', 'javascript:alert(1)'], /must be an https URL/, 1],
        [['app', 'set', 'notes', '--launch-url', 'http://notes.example.test/'], /must be an https URL \(http only on localhost\)/, 1],
        [['app', 'set', 'notes', '--icon-file', svg], /PNG, JPEG or WebP/, 1],
        [['app', 'set', 'notes', '--access-groups', 'acme/nope'], /no group acme\/nope/, 1],
        [['app', 'set', 'notes', '--access-orgs', 'nowhere'], /no organization nowhere/, 1],
        [['app', 'set', 'nothing-here', '--name', 'x'], /no app nothing-here/, 1],
      ];
      for (const [args, pattern, code] of cases) {
        const r = await run(...args);
        expect([args.join(' '), r.code]).toEqual([args.join(' '), code]);
        expect(errorLines(r)).toHaveLength(1);
        expect(errorLines(r)[0]).toMatch(pattern);
        expect(r.stderr).not.toMatch(/\n\s+at /);
      }
      expect((await run('app', 'set', 'notes', '--everyone', '--access-orgs', 'acme')).code).toBe(2);
      expect((await run('app', 'set', 'notes')).code).toBe(2);
      // Nothing of the refused commands was written.
      expect(rows((await run('app', 'list')).stdout)[0]).toEqual([
        'oidc-notes',
        'Team notes',
        'https://notes.example.test/login',
        '-',
        'uploaded',
        'everyone',
      ]);
    },
    SLOW,
  );
});
