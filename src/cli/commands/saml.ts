/**
 * `saml cert list | rotate` and `saml sp add | list | remove`. A certificate rotation promotes the
 * published next certificate and publishes a new next one (both stay in the metadata, so SPs that
 * refresh it are ready before it signs); running instances switch within oidc.keyRefreshSeconds.
 * SPs are registered from their metadata file plus flags (the same settings as the bootstrap file),
 * through the admin use-cases (src/admin/saml-sps.ts) the admin API calls; certificates through
 * src/admin/saml-certs.ts (samlify and libxml2 are loaded only for these commands).
 */
import { adminOf, CLI_ACTOR } from '../admin.js';
import { list, required, str, UsageError, type Command, type Values } from '../context.js';
import { table, when } from '../format.js';

function settingsFrom(v: Values) {
  const attributes = list(v, 'attribute');
  const parsed =
    attributes &&
    Object.fromEntries(
      attributes.map((a) => {
        const eq = a.indexOf('=');
        if (eq < 1) throw new UsageError(`--attribute expects name=source or name=value:<text>, got "${a}"`);
        const source = a.slice(eq + 1);
        return [a.slice(0, eq), source.startsWith('value:') ? { value: source.slice(6) } : source];
      }),
    );
  const settings: Record<string, unknown> = {
    nameid_format: str(v, 'nameid-format'),
    attributes: parsed,
    sign: str(v, 'sign'),
    display_name: str(v, 'display-name'),
    launch_url: str(v, 'launch-url'),
    encrypt_assertion: v.encrypt === true ? true : undefined,
    allow_idp_initiated: v['allow-idp-initiated'] === true ? true : undefined,
    allow_sha1: v['allow-sha1'] === true ? true : undefined,
  };
  return Object.fromEntries(Object.entries(settings).filter(([, x]) => x !== undefined));
}

export const samlCommands: Command[] = [
  {
    name: 'saml cert list',
    summary: 'list the SAML signing certificates (active signs, next is published ahead, retired is published for a while)',
    async run(ctx) {
      const certs = await adminOf(ctx).samlCerts.list(CLI_ACTOR);
      if (!certs.length)
        return ctx.out('no SAML certificates yet (the server creates them at its first start; `saml cert rotate` does too)');
      ctx.out(
        ...table(
          ['ID', 'STATUS', 'CREATED', 'ACTIVATED', 'UNPUBLISHED AFTER', 'VALID UNTIL', 'SHA-256 FINGERPRINT'],
          certs.map((c) => [
            c.id,
            c.status,
            when(c.created_at),
            when(c.activated_at),
            when(c.expires_at),
            when(c.not_after),
            c.fingerprint,
          ]),
        ),
      );
    },
  },
  {
    name: 'saml cert rotate',
    summary: 'sign with the published next SAML certificate, publish a new next one, keep the old one published for a while',
    async run(ctx) {
      const { id, certificates: certs } = await adminOf(ctx).samlCerts.rotate(undefined, CLI_ACTOR);
      const active = certs.find((c) => c.id === id)!;
      ctx.out(`New signing certificate: ${id}  (SHA-256 ${active.fingerprint}, published since ${when(active.created_at)})`);
      ctx.out(
        `Running instances sign with it within ${ctx.config.oidc.keyRefreshSeconds} seconds; the metadata at /saml/metadata lists every published certificate.`,
      );
      const retired = certs.filter((c) => c.status === 'retired' && c.expires_at).map((c) => new Date(c.expires_at!).getTime());
      if (retired.length) ctx.out(`The previous certificate stays published until ${when(new Date(Math.max(...retired)))}.`);
    },
  },
  {
    name: 'saml sp add',
    args:
      '--metadata-file <sp.xml> [--nameid-format persistent|emailAddress|transient|unspecified] [--attribute <name>=<source>]... ' +
      '[--sign response|assertion|both] [--encrypt] [--allow-idp-initiated] [--display-name <n>] [--launch-url <url>] [--allow-sha1]',
    summary:
      'register (or update) a SAML service provider from its metadata; sources: email, name, given_name, family_name, groups, organizations, id, value:<text>',
    options: {
      'metadata-file': { type: 'string' },
      'nameid-format': { type: 'string' },
      attribute: { type: 'string', multiple: true },
      sign: { type: 'string' },
      encrypt: { type: 'boolean' },
      'allow-idp-initiated': { type: 'boolean' },
      'display-name': { type: 'string' },
      'launch-url': { type: 'string' },
      'allow-sha1': { type: 'boolean' },
    },
    async run(ctx, v) {
      const file = required(v, 'metadata-file');
      const { readMetadataFile } = await import('../../saml/bootstrap.js');
      const saved = await adminOf(ctx).samlSps.registerOrUpdate(undefined, CLI_ACTOR, {
        metadata: readMetadataFile(file),
        settings: settingsFrom(v),
      });
      ctx.out(`${saved.existed ? 'updated' : 'registered'} SAML service provider ${saved.entityId} (id ${saved.spId})`);
    },
  },
  {
    name: 'saml sp list',
    summary: 'list SAML service providers',
    async run(ctx) {
      const rows = await adminOf(ctx).samlSps.list();
      if (!rows.length) return ctx.out('no SAML service providers');
      ctx.out(
        ...table(
          ['ID', 'ENTITY_ID', 'NAME', 'NAMEID', 'SIGN', 'ENCRYPT', 'IDP_INITIATED'],
          rows.map((r) => {
            const s = r.settings as {
              display_name?: string;
              nameid_format?: string;
              sign?: string;
              encrypt_assertion?: boolean;
              allow_idp_initiated?: boolean;
            };
            return [
              r.id,
              r.entity_id,
              s.display_name,
              s.nameid_format,
              s.sign,
              s.encrypt_assertion ? 'yes' : 'no',
              s.allow_idp_initiated ? 'yes' : 'no',
            ];
          }),
        ),
      );
    },
  },
  {
    name: 'saml sp remove',
    args: '<id|entity-id>',
    summary: 'remove a SAML service provider (running instances refuse it within seconds)',
    positionals: ['sp'],
    async run(ctx, _v, [which]) {
      const removed = await adminOf(ctx).samlSps.removeByRef(undefined, CLI_ACTOR, which);
      ctx.out(`removed SAML service provider ${removed.entityId}`);
    },
  },
];
