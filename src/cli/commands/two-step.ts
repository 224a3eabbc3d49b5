/**
 * `org two-step`, `group add-member`, `user devices [revoke]`: the administrator's side of two-step
 * verification. Changing an organization's primary method resets its covered members' enrolments
 * (they re-enrol at their next sign-in); revoking a trusted device brings the prompt back. The
 * policy and group membership go through the admin use-cases (admin/organization.ts, admin/groups.ts):
 * a group member must be a member of the organization; trusted devices through admin/accounts.ts.
 */
import { twoStepInput } from '../../admin/organization.js';
import { groupInput } from '../../admin/groups.js';
import { adminOf, CLI_ACTOR } from '../admin.js';
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
      const input = twoStepInput.parse({
        required: required(v, 'require'),
        group_names: list(v, 'group') ?? [],
        primary_method: required(v, 'primary'),
        trusted_device_days: days === undefined ? 30 : Number(days),
      });
      const { reset } = await adminOf(ctx).organization.setTwoStep(undefined, org.id, input);
      ctx.out(
        `two-step verification for ${org.slug}: ${str(v, 'require')}, primary ${str(v, 'primary')}${reset ? `; ${reset} members will set it up again at their next sign-in` : ''}`,
      );
    },
  },
  {
    name: 'group add-member',
    args: '<org-slug> <group> <email>',
    summary: 'put a member of an organization in one of its groups, created if new (groups can be required to use two-step verification)',
    positionals: ['org-slug', 'group', 'email'],
    async run(ctx, _v, [slug, group, email]) {
      const org = await orgBySlug(ctx, slug);
      const user = await userByEmail(ctx, email);
      const { groups } = adminOf(ctx);
      const g = await groups.ensure(undefined, org.id, groupInput.parse({ name: group }));
      await groups.addMember(undefined, org.id, g.id, { user_id: user.id });
      ctx.out(`${email} is in ${org.slug}/${group}`);
    },
  },
  {
    name: 'user devices',
    args: '<email>',
    summary: "list a person's trusted devices (those that skip two-step verification)",
    positionals: ['email'],
    async run(ctx, _v, [email]) {
      const devices = await adminOf(ctx).accounts.trustedDevices(CLI_ACTOR, email);
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
      const id = str(v, 'id');
      await adminOf(ctx).accounts.revokeTrustedDevices(undefined, CLI_ACTOR, email, { device_id: id });
      ctx.out(id ? `revoked device ${id} of ${email}` : `revoked every trusted device of ${email}`);
    },
  },
];
