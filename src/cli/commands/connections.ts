/**
 * `connection add | list | test-url | enable | disable`, and `org sso-only | break-glass`: an
 * organization's company sign-in. `add` takes flags for an OIDC connection or a YAML/JSON --file
 * holding one entry exactly as in the bootstrap file (any kind); the client secret is sealed and
 * never printed. `test-url` prints a single-use test sign-in link (one hour): SSO only can be
 * switched on only after such a test succeeded. Every command is a thin shell over the admin
 * use-cases (admin/connections.ts, admin/company.ts), the ones the admin API calls.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { AppError, badRequest } from '../../lib/errors.js';
import { adminOf } from '../admin.js';
import { orgBySlug, str, UsageError, userByEmail, type Command, type Context, type Values } from '../context.js';
import { table, when } from '../format.js';

async function orgOf(ctx: Context, slug: string | undefined) {
  if (!slug) throw new UsageError('--org is required');
  return orgBySlug(ctx, slug);
}

function entryFrom(v: Values): { raw: unknown; source: string } {
  const file = str(v, 'file');
  if (file) {
    try {
      return { raw: YAML.parse(readFileSync(file, 'utf8')), source: file };
    } catch (e) {
      throw badRequest(
        'bad_file',
        `${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message.split('\n')[0]}`,
      );
    }
  }
  const raw: Record<string, unknown> = {
    id: str(v, 'id'),
    kind: 'oidc',
    name: str(v, 'name') ?? str(v, 'id'),
    issuer: str(v, 'issuer'),
    client_id: str(v, 'client-id'),
    client_secret: str(v, 'client-secret'),
    variant: str(v, 'variant'),
    tenant_id: str(v, 'tenant-id'),
    mfa_trust: str(v, 'mfa-trust'),
    trust_email: v['trust-email'] === true ? true : undefined,
  };
  if (!raw.id) throw new UsageError('connection add needs --id (or --file)');
  return { raw: Object.fromEntries(Object.entries(raw).filter(([, x]) => x !== undefined)), source: '(flags)' };
}

export const connectionCommands: Command[] = [
  {
    name: 'connection add',
    args: '--org <slug> (--file <entry.yaml> | --id <id> --issuer <url> --client-id <id> --client-secret <s> [--name <n>] [--variant entra --tenant-id <t>] [--mfa-trust trust|require|none] [--trust-email])',
    summary: 'add or replace a company connection (OIDC from flags; any kind from a file)',
    options: {
      org: { type: 'string' },
      file: { type: 'string' },
      id: { type: 'string' },
      name: { type: 'string' },
      issuer: { type: 'string' },
      'client-id': { type: 'string' },
      'client-secret': { type: 'string' },
      variant: { type: 'string' },
      'tenant-id': { type: 'string' },
      'mfa-trust': { type: 'string' },
      'trust-email': { type: 'boolean' },
    },
    async run(ctx, v) {
      const org = await orgOf(ctx, str(v, 'org'));
      const { raw, source } = entryFrom(v);
      const file = str(v, 'file');
      const saved = await adminOf(ctx).connections.save(undefined, org.id, raw, {
        source,
        baseDir: file ? path.dirname(path.resolve(file)) : process.cwd(),
        fetchMetadata: true,
      });
      const { outcome, metadataError } = saved;
      ctx.out(
        `${outcome === 'created' ? 'created' : outcome === 'changed' ? 'updated' : 'unchanged:'} connection ${saved.id} (${saved.kind}) for ${org.slug}`,
      );
      ctx.out(`  callback URL: ${ctx.config.server.issuer}/sso/callback/${saved.id}`);
      if (saved.kind === 'saml') ctx.out(`  SP metadata (entity ID): ${ctx.config.server.issuer}/sso/saml/${saved.id}/metadata`);
      if (metadataError) ctx.note(`note: the IdP metadata could not be fetched now (the server retries on its schedule): ${metadataError}`);
      if (outcome === 'changed')
        ctx.note('note: the configuration changed, so its test sign-in must be done again before SSO only can be switched on');
    },
  },
  {
    name: 'connection list',
    args: '[--org <slug>]',
    summary: 'list company connections',
    options: { org: { type: 'string' } },
    async run(ctx, v) {
      const org = str(v, 'org') ? await orgOf(ctx, str(v, 'org')) : undefined;
      const rows = await adminOf(ctx).connections.list(org?.id);
      if (!rows.length) return ctx.out('no connections');
      ctx.out(
        ...table(
          ['ID', 'ORG', 'KIND', 'NAME', 'ENABLED', 'TESTED', 'METADATA'],
          rows.map((c) => [
            c.id,
            c.org_slug,
            c.kind,
            c.name,
            c.enabled ? 'yes' : 'no',
            when(c.tested_at),
            c.kind === 'oidc' ? '' : c.metadata_error ? `error: ${c.metadata_error}` : when(c.metadata_fetched_at),
          ]),
        ),
      );
    },
  },
  {
    name: 'connection test-url',
    args: '<connection-id>',
    summary: 'print a single-use test sign-in link (valid one hour) for an administrator',
    positionals: ['id'],
    async run(ctx, _v, [id]) {
      const { company } = adminOf(ctx);
      ctx.out((await company.testLink(undefined, await company.orgOfConnection(id), id)).url);
    },
  },
  ...(['enable', 'disable'] as const).map((verb): Command => ({
    name: `connection ${verb}`,
    args: '<connection-id>',
    summary: `${verb} a company connection`,
    positionals: ['id'],
    async run(ctx, _v, [id]) {
      const { company } = adminOf(ctx);
      await company.setConnectionEnabled(undefined, await company.orgOfConnection(id), id, verb === 'enable');
      ctx.out(`connection ${id} ${verb}d`);
    },
  })),
  {
    name: 'org sso-only',
    args: '<org-slug> on|off',
    summary: 'switch SSO only for an organization (on needs a successful test sign-in first)',
    positionals: ['org', 'mode'],
    async run(ctx, _v, [slug, mode]) {
      if (mode !== 'on' && mode !== 'off') throw new UsageError('the mode is on or off');
      const org = await orgOf(ctx, slug);
      const now = await adminOf(ctx).company.setSsoOnly(undefined, org.id, { on: mode === 'on' });
      ctx.out(`SSO only is ${now.mode} for ${org.slug}`);
    },
  },
  {
    name: 'org break-glass',
    args: '<org-slug> <email> [--off]',
    summary: 'name an administrator who keeps password + second factor under SSO only (or --off)',
    options: { off: { type: 'boolean' } },
    positionals: ['org', 'email'],
    async run(ctx, v, [slug, email]) {
      const org = await orgOf(ctx, slug);
      const user = await userByEmail(ctx, email);
      const on = v.off !== true;
      await adminOf(ctx)
        .company.setBreakGlass(undefined, org.id, user.id, { on })
        .catch((err: unknown) => {
          if (err instanceof AppError && err.code === 'not_found')
            throw badRequest('not_admin', `${email} is not an administrator of ${org.slug}`);
          throw err;
        });
      ctx.out(`${email} is ${on ? 'now' : 'no longer'} a break-glass administrator of ${org.slug}`);
    },
  },
];
