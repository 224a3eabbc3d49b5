/**
 * The CLI as a thin shell over the admin use-cases, run as an operator runs it (child processes, the
 * embedded database, or Postgres when DATABASE_URL is set): `user purge` removes people deleted
 * longer ago than the retention period (and only them), recording `admin.user_purged` with `cli` as
 * the actor; `group add-member` goes through the admin groups use-case (a person outside the
 * organization is refused); the two-step policy set from the CLI is the one the admin API reads;
 * `user devices revoke` goes through the accounts use-case and records `admin.trusted_device_revoked`.
 */
import { sql } from 'kysely';
import { createDeletionStore } from '../../src/accounts/deletion-store.js';
import { createAdminCore } from '../../src/admin/core.js';
import { createFactorStore } from '../../src/factors/store.js';
import { cliSetup, cliTargets, errorLine, SLOW, type CliSetup } from '../helpers/cli.js';

describe.each(cliTargets())('admin CLI on %s', (target) => {
  let cli: CliSetup;
  const run = (...args: string[]) => cli.run(...args);
  const withServices: CliSetup['withServices'] = (fn) => cli.withServices(fn);

  beforeAll(async () => {
    cli = await cliSetup(target, 'admin-cli');
    expect((await run('migrate')).code).toBe(0);
    await withServices(async (s) => {
      await s.orgs.upsert({ id: 'org-acme', slug: 'acme', name: 'Acme' });
      for (const email of ['old@acme.test', 'recent@acme.test', 'kept@acme.test', 'outsider@other.test']) {
        const u = await s.users.create({ email, name: null, password: 'correct horse battery staple', email_verified: true });
        if (email.endsWith('@acme.test')) await s.orgs.addMember('org-acme', u.id, 'member');
      }
    });
  }, SLOW);
  afterAll(() => cli.close());

  test(
    'user purge removes only people deleted longer ago than the retention period, audited with the CLI as actor',
    async () => {
      const ids = await withServices(async (s) => {
        const deletion = createDeletionStore(s.db);
        const old = (await s.accounts.findUserByEmail('old@acme.test'))!.id;
        const recent = (await s.accounts.findUserByEmail('recent@acme.test'))!.id;
        await deletion.softDelete('org-acme', old);
        await deletion.softDelete('org-acme', recent);
        await sql`update users set deleted_at = now() - interval '40 days' where id = ${old}`.execute(s.db);
        return { old, recent };
      });
      expect((await run('user', 'purge', '--days', 'x')).code).toBe(2);
      const purged = await run('user', 'purge');
      expect([purged.code, purged.stdout.trim()]).toEqual([0, 'purged 1 person deleted more than 30 days ago']);
      await withServices(async (s) => {
        expect(await s.accounts.findUser(ids.old)).toBeUndefined();
        expect(await s.accounts.findUser(ids.recent)).toBeDefined();
        expect(await s.accounts.findUserByEmail('kept@acme.test')).toBeDefined();
        const [event] = await s.db.selectFrom('audit_events').selectAll().where('type', '=', 'admin.user_purged').execute();
        expect(event).toMatchObject({ user_id: ids.old, actor: 'cli', org_id: 'org-acme' });
        expect(event.data).toMatchObject({ target: ids.old, via: 'cli', retentionDays: 30 });
      });
      // A shorter period given on the command line.
      expect((await run('user', 'purge', '--days', '0')).stdout.trim()).toBe('purged 1 person deleted more than 0 days ago');
    },
    SLOW,
  );

  test(
    'group add-member and org two-step go through the admin use-cases: the API reads what the CLI set',
    async () => {
      const added = await run('group', 'add-member', 'acme', 'Finance', 'kept@acme.test');
      expect([added.code, added.stdout.trim()]).toEqual([0, 'kept@acme.test is in acme/Finance']);
      expect(errorLine(await run('group', 'add-member', 'acme', 'Finance', 'outsider@other.test'))).toMatch(
        /no such person in this organization/,
      );
      expect((await run('org', 'two-step', 'acme', '--require', 'groups', '--group', 'Finance', '--primary', 'totp')).code).toBe(0);
      await withServices(async (s) => {
        const core = createAdminCore(s);
        const groups = (await core.groups.list('org-acme', { limit: 10 })).items;
        expect(groups).toEqual([expect.objectContaining({ name: 'Finance', members: 1, managed_by_scim: false })]);
        expect(await core.organization.twoStep('org-acme')).toMatchObject({ required: 'groups', group_names: ['Finance'] });
        const types = await s.db.selectFrom('audit_events').select(['type', 'actor']).where('actor', '=', 'cli').execute();
        expect(types.map((t) => t.type)).toEqual(
          expect.arrayContaining(['admin.group_created', 'admin.group_member_added', 'admin.two_step_policy_set']),
        );
      });
    },
    SLOW,
  );
  test(
    'user devices revoke goes through the admin accounts use-case: same output, audited with the CLI as actor',
    async () => {
      const { userId, ids } = await withServices(async (s) => {
        const factors = createFactorStore(s.db);
        const u = (await s.accounts.findUserByEmail('kept@acme.test'))!;
        for (const token_hash of ['t1', 't2'])
          await factors.insertTrustedDevice({ user_id: u.id, token_hash, user_agent: 'UA', ip: null, days: 30 });
        return { userId: u.id, ids: (await factors.trustedDevicesOf(u.id)).map((d) => d.id) };
      });
      const listed = await run('user', 'devices', 'kept@acme.test');
      expect(listed.code).toBe(0);
      expect(listed.stdout).toContain(ids[0]);
      const one = await run('user', 'devices', 'revoke', 'kept@acme.test', '--id', ids[0]);
      expect([one.code, one.stdout.trim()]).toEqual([0, `revoked device ${ids[0]} of kept@acme.test`]);
      const all = await run('user', 'devices', 'revoke', 'kept@acme.test');
      expect([all.code, all.stdout.trim()]).toEqual([0, 'revoked every trusted device of kept@acme.test']);
      expect((await run('user', 'devices', 'kept@acme.test')).stdout.trim()).toBe('no trusted devices');
      expect(errorLine(await run('user', 'devices', 'revoke', 'nobody@acme.test'))).toMatch(/no user with email nobody@acme.test/);
      await withServices(async (s) => {
        const events = await s.db
          .selectFrom('audit_events')
          .selectAll()
          .where('type', '=', 'admin.trusted_device_revoked')
          .orderBy('id')
          .execute();
        expect(events.map((e) => [e.user_id, e.actor, e.data.deviceId, e.data.via])).toEqual([
          [userId, 'cli', ids[0], 'cli'],
          [userId, 'cli', 'all', 'cli'],
        ]);
      });
    },
    SLOW,
  );
});
