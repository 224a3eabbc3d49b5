/**
 * The operator CLI, run as a child process (`node dist/src/cli/main.js ...`, built by the global setup) the way an operator
 * runs it: against the embedded database in a temporary DATA_DIR, and against Postgres (a fresh
 * database) when DATABASE_URL is set. Effects are checked in the database itself where output alone
 * could lie (stored passwords, kept client secrets).
 */
import os from 'node:os';
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { loadConfig } from '../../src/config/load.js';
import { openDatabase } from '../../src/db/index.js';
import { migrations } from '../../migrations/index.js';
import {
  baseEnv,
  cliSetup,
  cliTargets,
  runCli as cli,
  SLOW,
  tableRows as rows,
  type CliResult as Result,
  type CliSetup,
} from '../helpers/cli.js';

/** A refusal is one `error:` line (besides warnings): no stack trace, no usage text. */
function expectOneLineError(r: Result, pattern: RegExp | string) {
  expect(r.code).toBe(1);
  const lines = r.stderr.split('\n').filter((l) => l && !/^(warning: |note: |oidc-provider WARNING)/.test(l));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe.each(cliTargets({ embeddedToo: true }))('wayfinder CLI on %s', (target) => {
  let setup: CliSetup;
  let env: NodeJS.ProcessEnv;
  let dataDir: string;
  const run = (...args: string[]) => setup.run(...args);

  const withServices: CliSetup['withServices'] = (fn) => setup.withServices(fn);

  beforeAll(async () => {
    setup = await cliSetup(target, 'cli', { ISSUER: undefined }, { emptyDatabase: true });
    env = setup.env;
    dataDir = setup.dir;
  }, SLOW);
  afterAll(() => setup.close());

  test(
    'refuses an unmigrated database; migrate applies every migration once',
    async () => {
      expectOneLineError(await run('user', 'list'), /run `wayfinder migrate` first/);

      const first = await run('migrate');
      expect(first.code).toBe(0);
      for (const name of Object.keys(migrations)) expect(first.stdout).toContain(`applied ${name}`);

      const second = await run('migrate');
      expect(second.code).toBe(0);
      expect(second.stdout).not.toMatch(/^applied /m);
      expect(second.stdout).toMatch(/schema is current .*nothing to apply/);

      const users = await run('user', 'list');
      expect(users).toMatchObject({ code: 0, stdout: 'no users\n' });
    },
    SLOW,
  );

  test(
    'user create, list and password',
    async () => {
      const created = await run('user', 'create', '--email', 'Ada@Example.com', '--name', 'Ada Lovelace');
      expect(created.code).toBe(0);
      const generated = created.stdout.match(/password: (\S+)/)?.[1];
      expect(generated).toMatch(/^[\w-]{24}$/);

      const withPassword = await run('user', 'create', '--email', 'bob@example.com', '--password', 'Tr0ub4dor&3-horse');
      expect(withPassword.code).toBe(0);
      expect(withPassword.stdout).not.toMatch(/password:/);

      expectOneLineError(await run('user', 'create', '--email', 'ada@example.com'), /already exists/);
      expectOneLineError(await run('user', 'create', '--email', 'not-an-email'), /email/i);
      expectOneLineError(await run('user', 'password', 'ada@example.com', '--password', 'short'), /too short \(at least 10 characters\)/);
      expectOneLineError(await run('user', 'password', 'nobody@example.com'), /no user with email nobody@example.com/);

      const list = await run('user', 'list');
      expect(list.code).toBe(0);
      const table = rows(list.stdout);
      expect(table.map((r) => r[0])).toEqual(['Ada@Example.com', 'bob@example.com']);
      expect(table[0].slice(1, 4)).toEqual(['Ada Lovelace', 'active', 'yes']);

      const reset = await run('user', 'password', 'ada@example.com');
      expect(reset.code).toBe(0);
      const newPassword = reset.stdout.match(/password: (\S+)/)?.[1];
      expect(newPassword).toBeDefined();
      expect(newPassword).not.toBe(generated);

      await withServices(async (s) => {
        const ada = (await s.accounts.findUserByEmail('ada@example.com'))!;
        const bob = (await s.accounts.findUserByEmail('bob@example.com'))!;
        expect(ada.email_verified).toBe(true);
        expect(await s.users.hasPassword(ada.id, newPassword!)).toBe(true);
        expect(await s.users.hasPassword(ada.id, generated!)).toBe(false);
        expect(await s.users.hasPassword(bob.id, 'Tr0ub4dor&3-horse')).toBe(true);
        const events = await s.audit.recent({ userId: ada.id });
        expect(events.map((e) => [e.type, e.data.via])).toEqual([
          ['admin.password_set', 'cli'],
          ['admin.user_created', 'cli'],
        ]);
      });
    },
    SLOW,
  );

  test(
    'client add with flags, list, replace and remove',
    async () => {
      const added = await run(
        'client',
        'add',
        '--id',
        'cli-app',
        '--name',
        'CLI App',
        '--redirect-uri',
        'https://app.example.com/cb',
        '--redirect-uri',
        'https://app.example.com/cb2',
        '--grant-type',
        'authorization_code',
        '--grant-type',
        'refresh_token',
        '--backchannel-logout-uri',
        'https://app.example.com/bcl',
        '--post-logout-redirect-uri',
        'https://app.example.com/',
      );
      expect(added.code).toBe(0);
      expect(added.stdout).toMatch(/^created client cli-app$/m);
      const secret = added.stdout.match(/client secret: (\S+)/)?.[1];
      expect(secret).toMatch(/^[\w-]{32}$/);

      const pub = await run(
        'client',
        'add',
        '--id',
        'spa',
        '--auth-method',
        'none',
        '--first-party',
        '--redirect-uri',
        'http://localhost:5173/cb',
      );
      expect(pub.code).toBe(0);
      expect(pub.stdout).not.toMatch(/client secret/);

      let list = await run('client', 'list');
      expect(list.code).toBe(0);
      expect(rows(list.stdout)).toEqual([
        [
          'cli-app',
          'CLI App',
          'client_secret_basic',
          'authorization_code,refresh_token',
          'no',
          'https://app.example.com/cb https://app.example.com/cb2',
        ],
        ['spa', '-', 'none', 'authorization_code', 'yes', 'http://localhost:5173/cb'],
      ]);

      // Replacing without --secret keeps the secret the app already has.
      const replaced = await run(
        'client',
        'add',
        '--id',
        'cli-app',
        '--name',
        'CLI App v2',
        '--redirect-uri',
        'https://app.example.com/cb',
      );
      expect(replaced.code).toBe(0);
      expect(replaced.stdout).toMatch(/^updated client cli-app$/m);
      expect(replaced.stdout).not.toMatch(/client secret/);
      await withServices(async (s) => {
        const meta = await s.clients.metadata('cli-app');
        expect(meta).toMatchObject({ client_name: 'CLI App v2', client_secret: secret, redirect_uris: ['https://app.example.com/cb'] });
      });

      expectOneLineError(await run('client', 'add', '--id', 'bad', '--redirect-uri', 'not a url'), /redirect_uris\[0\]: Invalid URL/);
      expectOneLineError(
        await run('client', 'add', '--id', 'bad'),
        /redirect_uris: an authorization_code client needs at least one redirect URI/,
      );

      const removed = await run('client', 'remove', 'cli-app');
      expect(removed).toMatchObject({ code: 0, stdout: 'removed client cli-app\n' });
      list = await run('client', 'list');
      expect(rows(list.stdout).map((r) => r[0])).toEqual(['spa']);
      expectOneLineError(await run('client', 'remove', 'cli-app'), /no client with id cli-app/);
    },
    SLOW,
  );

  test(
    'client add --file checks the whole file before writing',
    async () => {
      const file = path.join(dataDir, 'clients.yaml');
      writeFileSync(
        file,
        [
          '- client_id: f1',
          '  redirect_uris: [https://f1.example.com/cb]',
          '- client_id: f2',
          '  redirect_uris: [https://f2.example.com/cb, nope]',
        ].join('\n'),
      );
      expectOneLineError(await run('client', 'add', '--file', file), `${file}: [1].redirect_uris[1]: Invalid URL`);
      expect(rows((await run('client', 'list')).stdout).map((r) => r[0])).not.toContain('f1');

      writeFileSync(
        file.replace('.yaml', '.json'),
        JSON.stringify([
          { client_id: 'f1', redirect_uris: ['https://f1.example.com/cb'] },
          { client_id: 'f2', token_endpoint_auth_method: 'client_secret_post', grant_types: ['client_credentials'] },
        ]),
      );
      const ok = await run('client', 'add', '--file', file.replace('.yaml', '.json'));
      expect(ok.code).toBe(0);
      expect(ok.stdout.match(/client secret: /g)).toHaveLength(2);
      expect(rows((await run('client', 'list')).stdout).map((r) => r[0])).toEqual(expect.arrayContaining(['f1', 'f2']));

      const mixed = await run('client', 'add', '--file', file, '--id', 'x');
      expect(mixed.code).toBe(2);
      expect(mixed.stderr).toMatch(/--file cannot be combined with --id/);
    },
    SLOW,
  );

  test(
    'keys rotate changes the active kids shown by keys list',
    async () => {
      const activeKids = async () => {
        const list = await run('keys', 'list');
        expect(list.code).toBe(0);
        return {
          active: rows(list.stdout)
            .filter((r) => r[2] === 'active')
            .map((r) => r[0])
            .sort(),
          all: rows(list.stdout),
        };
      };
      const rotatedKids = (stdout: string) => [...stdout.matchAll(/^ {2}(\S+) {2}(ES256|RS256) /gm)].map((m) => m[1]).sort();

      expect((await run('keys', 'list')).stdout).toMatch(/no signing keys yet/);

      const first = await run('keys', 'rotate');
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(/within 30 seconds \(oidc\.keyRefreshSeconds\)/);
      const firstKids = rotatedKids(first.stdout);
      expect(firstKids).toHaveLength(2);
      expect((await activeKids()).active).toEqual(firstKids);

      const second = await run('keys', 'rotate');
      expect(second.code).toBe(0);
      const secondKids = rotatedKids(second.stdout);
      expect(secondKids).toHaveLength(2);
      for (const kid of firstKids) expect(secondKids).not.toContain(kid);
      const after = await activeKids();
      expect(after.active).toEqual(secondKids);
      for (const kid of firstKids) expect(after.all.find((r) => r[0] === kid)?.[2]).toBe('retired');
    },
    SLOW,
  );

  test(
    'bootstrap apply names the offending entry, and applies a good file idempotently',
    async () => {
      const bad = path.join(dataDir, 'bad.yaml');
      writeFileSync(bad, 'clients:\n  - client_id: app\n    redirect_uris: ["not a url"]\n');
      expectOneLineError(await run('bootstrap', 'apply', bad), `${bad}: clients[0].redirect_uris[0]: Invalid URL`);
      expectOneLineError(await run('bootstrap', 'apply', path.join(dataDir, 'missing.yaml')), /cannot read the bootstrap file/);

      const good = path.join(dataDir, 'good.yaml');
      writeFileSync(
        good,
        [
          'users: [{ email: grace@example.com, password: "cobol-compiler-1959" }]',
          'organizations: [{ slug: navy, name: US Navy, members: [{ email: grace@example.com, role: admin }] }]',
          'clients: [{ client_id: boot-app, redirect_uris: ["https://boot.example.com/cb"] }]',
          'resource_servers: [{ identifier: "https://api.example.com", scopes: [read] }]',
        ].join('\n'),
      );
      const first = await run('bootstrap', 'apply', good);
      expect(first.code).toBe(0);
      expect(first.stdout).toContain(`applied ${good}: 1 users, 1 clients, 1 APIs, 1 organizations`);
      expect(first.stdout).toMatch(/^ {2}boot-app: [\w-]{32}$/m);

      const again = await run('bootstrap', 'apply', good);
      expect(again.code).toBe(0);
      expect(again.stdout).not.toMatch(/secret/i);
    },
    SLOW,
  );

  test(
    'resource add and list',
    async () => {
      const added = await run(
        'resource',
        'add',
        '--identifier',
        'https://orders.example.com',
        '--scope',
        'orders:read',
        '--scope',
        'orders:write',
        '--ttl',
        '600',
      );
      expect(added.code).toBe(0);
      expect(rows((await run('resource', 'list')).stdout)).toContainEqual([
        'https://orders.example.com',
        '600s',
        'orders:read orders:write',
      ]);
      expectOneLineError(await run('resource', 'add', '--identifier', 'https://orders.example.com', '--ttl', '5'), /access_token_ttl/);
      expect((await run('resource', 'add', '--identifier', 'https://x.example.com', '--ttl', 'soon')).code).toBe(2);
    },
    SLOW,
  );

  if (target === 'pglite') {
    test(
      'refuses the embedded database while another process has it open',
      async () => {
        const config = loadConfig({ env, warn: () => {} });
        const database = await openDatabase(config);
        try {
          expectOneLineError(await run('user', 'list'), new RegExp(`in use by process ${process.pid}`));
        } finally {
          await database.close();
        }
        expect((await run('user', 'list')).code).toBe(0);
      },
      SLOW,
    );
  }
});

describe('wayfinder CLI usage', () => {
  const env = { ...baseEnv, DATA_DIR: path.join(os.tmpdir(), 'wf-cli-unused') };

  test(
    'help lists every command',
    async () => {
      const help = await cli(env, 'help');
      expect(help.code).toBe(0);
      for (const name of [
        'migrate',
        'bootstrap apply <file>',
        'keys rotate',
        'keys list',
        'client add',
        'client list',
        'client remove <client_id>',
        'resource add',
        'user create',
        'user password <email>',
        'user list',
        'app list',
        'app set <id>',
      ]) {
        expect(help.stdout).toContain(`  ${name}`);
      }
      expect((await cli(env)).stdout).toBe(help.stdout);
    },
    SLOW,
  );

  test(
    'an unknown command or flag exits 2 with the usage text',
    async () => {
      const unknown = await cli(env, 'frobnicate');
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toMatch(/^error: unknown command "frobnicate"/);
      expect(unknown.stderr).toContain('Usage: wayfinder');
      expect(unknown.stdout).toBe('');

      expect((await cli(env, 'keys', 'frobnicate')).code).toBe(2);
      const flag = await cli(env, 'user', 'list', '--bogus');
      expect(flag.code).toBe(2);
      expect(flag.stderr).toMatch(/--bogus/);
    },
    SLOW,
  );

  test(
    'invalid configuration is one readable line and exit 1',
    async () => {
      const r = await cli({ ...env, NODE_ENV: 'production', COOKIE_KEYS: '', ENCRYPTION_KEY: '' }, 'user', 'list');
      expectOneLineError(r, /invalid configuration: COOKIE_KEYS is missing/);
    },
    SLOW,
  );
});
