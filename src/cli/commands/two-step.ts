/**
 * `org two-step`, `group add-member`, `user devices [revoke]`: the administrator's side of two-step
 * verification. Changing an organization's primary method resets its covered members' enrolments
 * (they re-enrol at their next sign-in); revoking a trusted device brings the prompt back.
 */
import { setTwoStepPolicy } from '../../factors/admin.js';
import { createFactorStore } from '../../factors/store.js';
import { list, orgBySlug, required, str, userByEmail, type Command } from '../context.js';
import { table } from '../format.js';

export const twoStepCommands: Command[] = [
  {
    name: 'org two-step',
    args: '<org-slug> --require off|all|groups [--group <name>]... --primary totp|email|push|webauthn [--trusted-days <0-365>]',
    summary: 'set who must use two-step verification, the method offered first, and how long a device may be trusted (0 forbids it)',
    options: {
      require: { type: 'string' },
      group: { type: 'string', multiple: true },
      primary: { type: 'string' },
      'trusted-days': { type: 'string' },
    },
    positionals: ['org-slug'],
    async run(ctx, v, [slug]) {
      const org = await orgBySlug(ctx, slug);
      const days = str(v, 'trusted-days');
      const { reset } = await setTwoStepPolicy(createFactorStore(ctx.services.db), org.id, {
        required: required(v, 'require') as 'off' | 'all' | 'groups',
        group_names: list(v, 'group') ?? [],
        primary_method: required(v, 'primary'),
        trusted_device_days: days === undefined ? 30 : Number(days),
      });
      await ctx.audit('admin.two_step_policy_set', {}, { org: org.slug, require: str(v, 'require'), primary: str(v, 'primary'), reset });
      ctx.out(
        `two-step verification for ${org.slug}: ${str(v, 'require')}, primary ${str(v, 'primary')}${reset ? `; ${reset} members will set it up again at their next sign-in` : ''}`,
      );
    },
  },
  {
    name: 'group add-member',
    args: '<org-slug> <group> <email>',
    summary: 'put a person in a group of an organization (groups can be required to use two-step verification)',
    positionals: ['org-slug', 'group', 'email'],
    async run(ctx, _v, [slug, group, email]) {
      const org = await orgBySlug(ctx, slug);
      const user = await userByEmail(ctx, email);
      await createFactorStore(ctx.services.db).addGroupMember(org.id, group, user.id);
      await ctx.audit('admin.group_member_added', { userId: user.id }, { org: org.slug, group });
      ctx.out(`${email} is in ${org.slug}/${group}`);
    },
  },
  {
    name: 'user devices',
    args: '<email>',
    summary: "list a person's trusted devices (those that skip two-step verification)",
    positionals: ['email'],
    async run(ctx, _v, [email]) {
      const user = await userByEmail(ctx, email);
      const devices = await createFactorStore(ctx.services.db).trustedDevicesOf(user.id);
      if (!devices.length) return ctx.out('no trusted devices');
      ctx.out(
        ...table(
          ['ID', 'DEVICE', 'IP', 'UNTIL'],
          devices.map((d) => [d.id, d.user_agent ?? '', d.ip ?? '', d.expires_at.toISOString()]),
        ),
      );
    },
  },
  {
    name: 'user devices revoke',
    args: '<email> [--id <device-id>]',
    summary: "revoke one of a person's trusted devices, or all of them",
    options: { id: { type: 'string' } },
    positionals: ['email'],
    async run(ctx, v, [email]) {
      const user = await userByEmail(ctx, email);
      const store = createFactorStore(ctx.services.db);
      const id = str(v, 'id');
      if (id) await store.revokeTrustedDevice(user.id, id);
      else await store.revokeAllTrustedDevices(user.id);
      await ctx.audit('admin.trusted_device_revoked', { userId: user.id }, { deviceId: id ?? 'all' });
      ctx.out(id ? `revoked device ${id} of ${email}` : `revoked every trusted device of ${email}`);
    },
  },
];
