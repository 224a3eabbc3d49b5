/**
 * SCIM bearer tokens, one organization each. Rules:
 * - a token is 32 random bytes (base64url) behind a `wfscim_` prefix, shown once when created;
 *   only its SHA-256 is stored (a high-entropy secret needs no slow hash) and looked up by it;
 * - a revoked token, or one of a disabled organization, authenticates nothing;
 * - use is recorded (last used, at most once a minute); creation and revocation are audited.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import type { Audit } from '../audit/index.js';
import { notFound } from '../lib/errors.js';
import type { ScimStore } from './store.js';
import type { Actor } from './users.js';

export const TOKEN_PREFIX = 'wfscim_';
export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export function createScimTokens(store: ScimStore, audit: Audit) {
  const lookup = (token: string) =>
    token.startsWith(TOKEN_PREFIX) && token.length <= 200 ? store.tokenByHash(hashToken(token)) : Promise.resolve(undefined);
  return {
    async create(ctx: Context | undefined, actor: Actor, orgId: string, label?: string) {
      const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
      const id = `st_${randomBytes(8).toString('hex')}`;
      await store.insertToken({ id, org_id: orgId, label: label?.slice(0, 200) ?? null, token_hash: hashToken(token) });
      await audit.record(ctx, {
        type: 'scim.token_created',
        outcome: 'success',
        userId: actor.userId,
        data: { orgId, tokenId: id, via: actor.via },
      });
      return { id, token };
    },

    list: (orgId: string) => store.tokensOf(orgId),

    async revoke(ctx: Context | undefined, actor: Actor, orgId: string, id: string) {
      if (!(await store.revokeToken(orgId, id))) throw notFound('no_token', `no SCIM token ${id} in this organization`);
      await audit.record(ctx, {
        type: 'scim.token_revoked',
        outcome: 'success',
        userId: actor.userId,
        data: { orgId, tokenId: id, via: actor.via },
      });
    },

    /** The organization and token id a bearer token stands for, or undefined. */
    async authenticate(token: string): Promise<{ orgId: string; tokenId: string } | undefined> {
      const row = await lookup(token);
      if (!row || row.revoked_at || row.status !== 'active') return undefined;
      if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > 60_000) await store.touchToken(row.id);
      return { orgId: row.org_id, tokenId: row.id };
    },

    /** The organization of a token that exists but is refused (revoked, or its organization disabled). */
    refusedOrg: async (token: string) => (await lookup(token))?.org_id,
  };
}
export type ScimTokens = ReturnType<typeof createScimTokens>;
