/**
 * `scim token create | list | revoke`: an organization's SCIM bearer tokens (what its IdP's
 * provisioning service sends to `${ISSUER}/scim/v2`). `create` prints the new token alone on stdout
 * (it is shown once and stored hashed); the SCIM base URL goes to stderr as a note.
 * `scim client allow | remove | list`: OAuth clients (client_credentials) that provision an
 * organization with access tokens of scope `scim` for the resource `${ISSUER}/scim/v2`.
 * `scim notify --org <slug> --email <addr> [--lang <code>] | --clear`: where mail goes when the
 * organization's SCIM requests keep failing (without --email or --clear: shows the address).
 * Tokens and the notification address go through the admin use-cases (admin/organization.ts).
 */
import { createScimStore } from '../../provisioning/store.js';
import { createScimClients } from '../../provisioning/clients.js';
import { scimBaseUrl } from '../../provisioning/index.js';
import { NOTIFY_DEFAULTS } from '../../provisioning/notify.js';
import { scimTokenInput } from '../../admin/organization.js';
import { adminOf } from '../admin.js';
import { orgBySlug, required, str, UsageError, type Command, type Context } from '../context.js';
import { table, when } from '../format.js';

const clients = (ctx: Context) =>
  createScimClients({
    store: createScimStore(ctx.services.db),
    clients: ctx.services.clients,
    audit: ctx.services.audit,
    baseUrl: scimBaseUrl(ctx.config.server.issuer),
  });

const { threshold, windowMinutes, quietMinutes } = NOTIFY_DEFAULTS;
const rule = `after ${threshold} failed requests in a row within ${windowMinutes} minutes, at most once every ${quietMinutes} minutes`;

export const scimCommands: Command[] = [
  {
    name: 'scim notify',
    args: '--org <org-slug> (--email <address> [--lang <en|fr|de|es|it|pt|nl>] | --clear)',
    summary: "set or clear where mail goes when an organization's SCIM requests keep failing (no flag: show it)",
    options: { org: { type: 'string' }, email: { type: 'string' }, lang: { type: 'string' }, clear: { type: 'boolean' } },
    async run(ctx, v) {
      const org = await orgBySlug(ctx, required(v, 'org'));
      const email = str(v, 'email');
      if (email && v.clear) throw new UsageError('use either --email or --clear');
      if (!email && !v.clear) {
        const now = await adminOf(ctx).organization.notifyAddress(org.id);
        return ctx.out(
          now.email ? `${org.slug}: ${now.email} (${now.language ?? 'en'}), ${rule}` : `${org.slug} has no notification address`,
        );
      }
      const set = await adminOf(ctx).organization.setNotifyAddress(undefined, org.id, { email: email ?? null, language: str(v, 'lang') });
      ctx.out(
        set.email
          ? `${org.slug}: provisioning errors are mailed to ${set.email} (${rule})`
          : `${org.slug}: no more provisioning-error mail`,
      );
    },
  },
  {
    name: 'scim token create',
    args: '--org <org-slug> [--label <text>]',
    summary: "create a SCIM token for an organization's IdP; prints the token alone (shown once)",
    options: { org: { type: 'string' }, label: { type: 'string' } },
    async run(ctx, v) {
      const org = await orgBySlug(ctx, required(v, 'org'));
      const input = scimTokenInput.parse({ label: str(v, 'label') });
      const { id, token } = await adminOf(ctx).organization.createScimToken(undefined, org.id, input);
      ctx.out(token);
      ctx.note(`SCIM token ${id} for ${org.slug}; base URL ${scimBaseUrl(ctx.config.server.issuer)}`);
    },
  },
  {
    name: 'scim token list',
    args: '--org <org-slug>',
    summary: "list an organization's SCIM tokens (id, label, created, last used, revoked)",
    options: { org: { type: 'string' } },
    async run(ctx, v) {
      const org = await orgBySlug(ctx, required(v, 'org'));
      const rows = await adminOf(ctx).organization.scimTokens(org.id);
      if (!rows.length) return ctx.out(`${org.slug} has no SCIM tokens`);
      ctx.out(
        ...table(
          ['ID', 'LABEL', 'CREATED', 'LAST USED', 'REVOKED'],
          rows.map((t) => [t.id, t.label, when(t.created_at), when(t.last_used_at), when(t.revoked_at)]),
        ),
      );
    },
  },
  {
    name: 'scim token revoke',
    args: '--org <org-slug> <token-id>',
    summary: 'revoke a SCIM token (its next request is refused)',
    options: { org: { type: 'string' } },
    positionals: ['token-id'],
    async run(ctx, v, [id]) {
      const org = await orgBySlug(ctx, required(v, 'org'));
      await adminOf(ctx).organization.revokeScimToken(undefined, org.id, id);
      ctx.out(`SCIM token ${id} of ${org.slug} is revoked`);
    },
  },
  {
    name: 'scim client allow',
    args: '--org <org-slug> <client-id>',
    summary: 'let a client_credentials client provision an organization (access tokens with scope scim)',
    options: { org: { type: 'string' } },
    positionals: ['client-id'],
    async run(ctx, v, [clientId]) {
      const org = await orgBySlug(ctx, required(v, 'org'));
      await clients(ctx).allow(undefined, { via: 'cli' }, org.id, clientId);
      ctx.out(
        `client ${clientId} provisions ${org.slug}: token requests need scope=scim and resource=${scimBaseUrl(ctx.config.server.issuer)}`,
      );
    },
  },
  {
    name: 'scim client remove',
    args: '--org <org-slug> <client-id>',
    summary: 'stop a client from provisioning an organization (at once)',
    options: { org: { type: 'string' } },
    positionals: ['client-id'],
    async run(ctx, v, [clientId]) {
      const org = await orgBySlug(ctx, required(v, 'org'));
      await clients(ctx).remove(undefined, { via: 'cli' }, org.id, clientId);
      ctx.out(`client ${clientId} no longer provisions ${org.slug}`);
    },
  },
  {
    name: 'scim client list',
    args: '--org <org-slug>',
    summary: 'list the clients that provision an organization',
    options: { org: { type: 'string' } },
    async run(ctx, v) {
      const org = await orgBySlug(ctx, required(v, 'org'));
      const rows = await clients(ctx).list(org.id);
      if (!rows.length) return ctx.out(`${org.slug} has no provisioning clients`);
      ctx.out(
        ...table(
          ['CLIENT', 'ALLOWED'],
          rows.map((c) => [c.client_id, when(c.created_at)]),
        ),
      );
    },
  },
];
