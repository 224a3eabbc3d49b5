/**
 * `user create | password | list`. People created here are active with a verified email (the operator
 * vouches for the address, as in a bootstrap file). A password not given is generated, checked by the
 * same policy as every other password, and printed once; it is never logged. The commands call the
 * admin use-cases (admin/accounts.ts), which check the operator, make the change and audit it.
 */
import { required, str, UsageError, type Command } from '../context.js';
import { table } from '../format.js';
import { createDeletionStore } from '../../accounts/deletion-store.js';
import { createAdminPurge } from '../../admin/purge.js';
import { adminOf, CLI_ACTOR } from '../admin.js';

export const userCommands: Command[] = [
  {
    name: 'user create',
    args: '--email <e> [--name <n>] [--password <p>]',
    summary: 'create a person who signs in with a password (generated and printed once if not given)',
    options: { email: { type: 'string' }, name: { type: 'string' }, password: { type: 'string' } },
    async run(ctx, v) {
      const input = { email: required(v, 'email'), name: str(v, 'name'), password: str(v, 'password') };
      const { user, password, generated } = await adminOf(ctx).accounts.create(undefined, CLI_ACTOR, input);
      ctx.out(`created user ${user.email} (id ${user.id})`);
      if (generated) ctx.out(`  password: ${password}   (generated; shown only now)`);
    },
  },
  {
    name: 'user password',
    args: '<email> [--password <p>]',
    summary: "set a person's password (generated and printed once if not given)",
    options: { password: { type: 'string' } },
    positionals: ['email'],
    async run(ctx, v, [email]) {
      const { user, password, generated } = await adminOf(ctx).accounts.setPassword(undefined, CLI_ACTOR, email, {
        password: str(v, 'password'),
      });
      ctx.out(`set a new password for ${user.email}`);
      if (generated) ctx.out(`  password: ${password}   (generated; shown only now)`);
    },
  },
  {
    name: 'user purge',
    args: '[--days <n>]',
    summary: 'purge people deleted (by an administrator or SCIM) more than n days ago (default: accounts.deletedRetentionDays)',
    options: { days: { type: 'string' } },
    async run(ctx, v) {
      const given = str(v, 'days');
      if (given !== undefined && !/^\d{1,4}$/.test(given)) throw new UsageError('--days is a whole number of days');
      const purge = createAdminPurge({
        deletion: createDeletionStore(ctx.services.db),
        audit: ctx.services.audit,
        retentionDays: ctx.config.accounts.deletedRetentionDays,
      });
      const days = given === undefined ? purge.retentionDays : Number(given);
      const purged = await purge.purgeDeleted(undefined, 'cli', days);
      ctx.out(`purged ${purged} ${purged === 1 ? 'person' : 'people'} deleted more than ${days} days ago`);
    },
  },
  {
    name: 'user list',
    summary: 'list people',
    async run(ctx) {
      const users = await adminOf(ctx).accounts.list(CLI_ACTOR);
      if (!users.length) return ctx.out('no users');
      ctx.out(
        ...table(
          ['EMAIL', 'NAME', 'STATUS', 'VERIFIED', 'ID'],
          users.map((u) => [u.email, u.name, u.status, u.email_verified ? 'yes' : 'no', u.id]),
        ),
      );
    },
  },
];
