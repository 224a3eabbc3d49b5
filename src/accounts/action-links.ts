/**
 * The emailed single-use links of the account lifecycle (verify, reset, invitation, email change):
 * a random 256-bit token in the link, stored only as its SHA-256 hash, used once and before it
 * expires. Issuing a reset or an email-change link retires the earlier ones of that kind.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { ActionTokenTable } from '../db/schema.js';
import type { AccountStore } from './store.js';

export type Purpose = ActionTokenTable['purpose'];
/** Lifetimes in seconds. */
export const TTL: Record<Purpose, number> = { verify_email: 86400, reset_password: 1800, invitation: 7 * 86400, change_email: 3600 };
const PATH: Record<Purpose, string> = {
  verify_email: '/verify-email',
  reset_password: '/password/reset',
  invitation: '/invitation',
  change_email: '/account/email/confirm',
};
const RETIRES_EARLIER = new Set<Purpose>(['reset_password', 'change_email']);

export const hashToken = (token: string) => createHash('sha256').update(token).digest('base64url');

export function createActionLinks(d: { issuer: string; accounts: AccountStore }) {
  function url(purpose: Purpose, token: string, extra: Record<string, string> = {}) {
    const u = new URL(PATH[purpose], d.issuer);
    u.searchParams.set('token', token);
    for (const [k, v] of Object.entries(extra)) u.searchParams.set(k, v);
    return u.toString();
  }

  return {
    url,
    /** A new link for `user`; `newEmail` is the address an email-change link confirms. */
    async issue(userId: string, purpose: Purpose, opts: { extra?: Record<string, string>; newEmail?: string } = {}) {
      if (RETIRES_EARLIER.has(purpose)) await d.accounts.expireActionTokens(userId, purpose);
      const token = randomBytes(32).toString('base64url');
      await d.accounts.insertActionToken({
        id_hash: hashToken(token),
        purpose,
        user_id: userId,
        expires_at: new Date(Date.now() + TTL[purpose] * 1000),
        new_email: opts.newEmail ?? null,
      });
      return url(purpose, token, opts.extra);
    },
    /** The link's person and address when it is live (not used, not expired), without using it. */
    async peek(purpose: Purpose, token: string) {
      const row = await d.accounts.peekActionToken(hashToken(String(token ?? '')), purpose);
      if (!row || row.used_at || row.expires_at < new Date()) return undefined;
      return row;
    },
    /** Uses the link, atomically: once, and only before it expires. */
    use: (purpose: Purpose, token: string) => d.accounts.useActionToken(hashToken(String(token ?? '')), purpose),
  };
}
export type ActionLinks = ReturnType<typeof createActionLinks>;
