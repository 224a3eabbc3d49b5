/** `resource add | list`: APIs (resource servers) that clients may ask access tokens for. */
import { list, required, str, UsageError, type Command } from '../context.js';
import { table } from '../format.js';

export const resourceCommands: Command[] = [
  {
    name: 'resource add',
    args: '--identifier <url> [--scope <s>]... [--ttl <seconds>]',
    summary: 'add or replace an API (resource server) with its scopes and access token lifetime',
    options: { identifier: { type: 'string' }, scope: { type: 'string', multiple: true }, ttl: { type: 'string' } },
    async run(ctx, v) {
      const identifier = required(v, 'identifier');
      const ttl = str(v, 'ttl');
      if (ttl !== undefined && !/^\d+$/.test(ttl)) throw new UsageError(`--ttl expects a number of seconds, got "${ttl}"`);
      await ctx.services.clients.upsertResource({
        identifier,
        scopes: list(v, 'scope') ?? [],
        ...(ttl !== undefined ? { access_token_ttl: Number(ttl) } : {}),
      });
      const saved = await ctx.services.clients.findResource(identifier);
      await ctx.audit('admin.resource_saved', {}, { identifier });
      ctx.out(`saved API ${identifier} (scopes: ${saved?.scopes.join(' ') || 'none'}; access tokens live ${saved?.access_token_ttl}s)`);
    },
  },
  {
    name: 'resource list',
    summary: 'list APIs (resource servers)',
    async run(ctx) {
      const rows = await ctx.services.clients.listResources();
      if (!rows.length) return ctx.out('no APIs');
      ctx.out(
        ...table(
          ['IDENTIFIER', 'TOKEN_TTL', 'SCOPES'],
          rows.map((r) => [r.identifier, `${r.access_token_ttl}s`, r.scopes.join(' ')]),
        ),
      );
    },
  },
];
