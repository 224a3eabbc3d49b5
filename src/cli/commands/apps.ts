/**
 * `app list | set`: apps (OIDC clients and SAML SPs) as the launcher shows them, and who may use
 * them. An app is named by its id (`oidc-<client_id>`, `saml-<sp id>`, as `app list` shows) or by the
 * client id or SP id it was registered with. `--access-orgs` and `--access-groups` together replace
 * who may use it (a group is `<org slug>/<group>` or a plain group name, see apps/bootstrap.ts);
 * `--everyone` opens it to everyone. Every change is an audit event (src/apps/admin.ts).
 */
import { readFileSync } from 'node:fs';
import { badRequest, notFound } from '../../lib/errors.js';
import { appUpdateInput } from '../../apps/admin.js';
import { checkIcon } from '../../apps/icons.js';
import { str, UsageError, type Command, type Context, type Values } from '../context.js';
import { table } from '../format.js';

const CLI = { who: 'cli', operator: true } as const;
const csv = (v: string | undefined) =>
  v === undefined
    ? undefined
    : v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
/** A flag's value, or null for an empty one (`--trial-url ''` clears it). */
const orNull = (v: Values, key: string) => {
  const value = str(v, key);
  return value === undefined ? (v[key] === '' ? null : undefined) : value === '' ? null : value;
};

async function appId(ctx: Context, idOrRef: string) {
  const id = await ctx.services.appAdmin.find(idOrRef);
  if (!id) throw notFound('no_app', `no app ${idOrRef} (see wayfinder app list)`);
  return id;
}

function readIcon(file: string) {
  try {
    return readFileSync(file);
  } catch (e) {
    throw badRequest('bad_file', `${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'cannot read it'}`);
  }
}

export const appCommands: Command[] = [
  {
    name: 'app list',
    summary: 'list apps (OIDC clients and SAML SPs) with their launcher fields and who may use them',
    async run(ctx) {
      const apps = await ctx.services.appAdmin.list(CLI);
      if (!apps.length) return ctx.out('no apps');
      const who = (a: (typeof apps)[number]) =>
        a.access
          ? [...a.access.organizations.map((o) => `org:${o}`), ...a.access.groups.map((g) => `group:${g}`)].join(' ') || 'nobody'
          : 'everyone';
      ctx.out(
        ...table(
          ['ID', 'NAME', 'LAUNCH', 'TRIAL', 'ICON', 'WHO'],
          apps.map((a) => [
            a.id,
            a.name,
            a.kind === 'saml' && a.idp_initiated ? 'idp-initiated' : a.launch_url,
            a.trial_url,
            a.uploaded_icon ? 'uploaded' : a.icon_url,
            who(a),
          ]),
        ),
      );
    },
  },
  {
    name: 'app set',
    args:
      '<id> [--name <n>] [--icon-url <url>] [--icon-file <png|jpeg|webp>] [--launch-url <url>] [--trial-url <url>] ' +
      '[--access-orgs <slug,...>] [--access-groups <org/group,...>] [--everyone]',
    summary: "set an app's launcher fields and who may use it (an empty value clears a field)",
    positionals: ['id'],
    options: {
      name: { type: 'string' },
      'icon-url': { type: 'string' },
      'icon-file': { type: 'string' },
      'launch-url': { type: 'string' },
      'trial-url': { type: 'string' },
      'access-orgs': { type: 'string' },
      'access-groups': { type: 'string' },
      everyone: { type: 'boolean' },
    },
    async run(ctx, v, [idOrRef]) {
      const orgs = csv(str(v, 'access-orgs'));
      const groups = csv(str(v, 'access-groups'));
      if (v.everyone && (orgs || groups)) throw new UsageError('--everyone cannot be combined with --access-orgs or --access-groups');
      if (str(v, 'icon-file') && str(v, 'icon-url')) throw new UsageError('give --icon-url or --icon-file, not both');
      const fields = {
        name: orNull(v, 'name'),
        icon_url: orNull(v, 'icon-url'),
        launch_url: orNull(v, 'launch-url'),
        trial_url: orNull(v, 'trial-url'),
      };
      const changes = Object.fromEntries(Object.entries(fields).filter(([, x]) => x !== undefined));
      const icon = str(v, 'icon-file');
      if (!Object.keys(changes).length && !icon && !orgs && !groups && !v.everyone)
        throw new UsageError('nothing to set (see the flags above)');
      const { appAdmin } = ctx.services;
      const id = await appId(ctx, idOrRef);
      // Checked whole before anything is written.
      const update = appUpdateInput.parse(changes);
      const bytes = icon ? readIcon(icon) : undefined;
      if (bytes) checkIcon(bytes);
      if (Object.keys(update).length) await appAdmin.update(undefined, CLI, id, update);
      if (bytes) await appAdmin.setIcon(undefined, CLI, id, bytes);
      if (orgs || groups || v.everyone)
        await appAdmin.setAccess(undefined, CLI, id, { everyone: v.everyone === true, organizations: orgs ?? [], groups: groups ?? [] });
      const app = await appAdmin.get(CLI, id);
      const who = app.access ? [...app.access.organizations, ...app.access.groups].join(', ') || 'nobody' : 'everyone';
      ctx.out(`updated app ${app.id} (${app.name}): who may use it: ${who}`);
    },
  },
];
