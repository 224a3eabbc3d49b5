/**
 * `social add | list | enable | disable`: social sign-in providers. `add` takes a YAML/JSON --file
 * holding one entry exactly as under `social_providers` in the bootstrap file (its position orders
 * the buttons, --position); the client secret (Apple: the private key) is sealed and never printed.
 */
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { badRequest } from '../../lib/errors.js';
import { formatIssuePath } from '../../bootstrap/schema.js';
import { socialEntrySchema } from '../../connectors/social/connections.js';
import { socialAdmin } from '../../connectors/social/bootstrap.js';
import { str, UsageError, type Command } from '../context.js';
import { table } from '../format.js';

export const socialCommands: Command[] = [
  {
    name: 'social add',
    args: '--file <entry.yaml> [--position <n>]',
    summary: 'add or replace a social sign-in provider (google, microsoft, apple, facebook, linkedin, oidc)',
    options: { file: { type: 'string' }, position: { type: 'string' } },
    async run(ctx, v) {
      const file = str(v, 'file');
      if (!file) throw new UsageError('social add needs --file');
      let raw: unknown;
      try {
        raw = YAML.parse(readFileSync(file, 'utf8'));
      } catch (e) {
        throw badRequest(
          'bad_file',
          `${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message.split('\n')[0]}`,
        );
      }
      const parsed = socialEntrySchema.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw badRequest('bad_social_provider', `${file}: ${formatIssuePath(issue.path) || '(root)'}: ${issue.message}`);
      }
      const position = Number(str(v, 'position') ?? 0);
      if (!Number.isInteger(position)) throw new UsageError('--position is a whole number');
      const outcome = await socialAdmin(ctx.services).save(parsed.data, position);
      await ctx.audit('admin.social_saved', {}, { connectionId: parsed.data.id, provider: parsed.data.provider, outcome });
      const verb = outcome === 'created' ? 'created' : outcome === 'changed' ? 'updated' : 'unchanged:';
      ctx.out(`${verb} social provider ${parsed.data.id} (${parsed.data.provider})`);
      ctx.out(`  callback URL: ${ctx.config.server.issuer}/social/callback/${parsed.data.id}`);
    },
  },
  {
    name: 'social list',
    summary: 'list social sign-in providers',
    async run(ctx) {
      const rows = await socialAdmin(ctx.services).list();
      if (!rows.length) return ctx.out('no social providers');
      ctx.out(
        ...table(
          ['ID', 'PROVIDER', 'NAME', 'ENABLED', 'SIGN-UP', 'TRUST EMAIL'],
          rows.map((r) => [
            r.id,
            r.provider,
            r.name,
            r.enabled ? 'yes' : 'no',
            r.settings.allow_sign_up === true ? 'yes' : 'no',
            r.settings.trust_verified_email === true ? 'yes' : 'no',
          ]),
        ),
      );
    },
  },
  ...(['enable', 'disable'] as const).map((verb): Command => ({
    name: `social ${verb}`,
    args: '<id>',
    summary: `${verb} a social sign-in provider`,
    positionals: ['id'],
    async run(ctx, _v, [id]) {
      await socialAdmin(ctx.services).setEnabled(id, verb === 'enable');
      await ctx.audit(`admin.social_${verb}d`, {}, { connectionId: id });
      ctx.out(`social provider ${id} ${verb}d`);
    },
  })),
];
