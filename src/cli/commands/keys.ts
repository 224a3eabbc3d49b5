/**
 * `keys list` and `keys rotate`. A rotation retires the active keys (still published until every token
 * they signed has expired), promotes the published next keys and creates new next keys. Running
 * instances notice the change within oidc.keyRefreshSeconds and reload.
 */
import type { Command, Context } from '../context.js';
import { table, when } from '../format.js';

const FRESH_MS = 3600_000;

/** Loaded on demand: the provider module pulls in oidc-provider, which other commands do not need. */
async function keyManager(ctx: Context) {
  const { createKeys } = await import('../../oidc/provider.js');
  return createKeys(ctx.database.db, ctx.config);
}

export const keyCommands: Command[] = [
  {
    name: 'keys list',
    summary: 'list signing keys (active signs, next is published ahead, retired is published until it expires)',
    async run(ctx) {
      const keys = await (await keyManager(ctx)).list();
      if (!keys.length) {
        ctx.out('no signing keys yet (the server creates them at its first start; `keys rotate` does too)');
        return;
      }
      const order = { active: 0, next: 1, retired: 2 };
      keys.sort((a, b) => order[a.status] - order[b.status] || a.alg.localeCompare(b.alg));
      ctx.out(
        ...table(
          ['KID', 'ALG', 'STATUS', 'CREATED', 'ACTIVATED', 'RETIRED', 'DROPPED AFTER'],
          keys.map((k) => [k.kid, k.alg, k.status, when(k.created_at), when(k.activated_at), when(k.retired_at), when(k.expires_at)]),
        ),
      );
    },
  },
  {
    name: 'keys rotate',
    summary: 'retire the active signing keys and promote the next ones',
    async run(ctx) {
      const keys = await keyManager(ctx);
      const hadKeys = (await keys.list()).length > 0;
      const promoted = await keys.rotate();
      await ctx.audit('admin.keys_rotated', {}, { activated: promoted });
      const all = await keys.list();
      ctx.out('New active signing keys:');
      for (const kid of promoted) {
        const key = all.find((k) => k.kid === kid)!;
        ctx.out(`  ${kid}  ${key.alg}  (published since ${when(key.created_at)})`);
        if (hadKeys && Date.now() - new Date(key.created_at).getTime() < FRESH_MS) {
          ctx.note(
            `note: ${kid} was published less than an hour ago; apps that cache the JWKS for long and do not refetch it for an unknown kid may briefly reject new tokens`,
          );
        }
      }
      const retired = all.filter((k) => k.status === 'retired' && k.expires_at).map((k) => new Date(k.expires_at!).getTime());
      ctx.out(
        `Running instances switch to them within ${ctx.config.oidc.keyRefreshSeconds} seconds (oidc.keyRefreshSeconds); no restart is needed.`,
        retired.length
          ? `Retired keys stay published until ${when(new Date(Math.max(...retired)))}, so tokens they signed keep verifying.`
          : 'There were no active keys to retire.',
      );
    },
  },
];
