/**
 * Trusted devices ("Don't ask again on this device for N days"): a random token in a signed,
 * HttpOnly cookie, stored only as a hash with the person, the browser and an expiry. Listed and
 * revocable in My account and by administrators; revoking brings the prompt back at the next sign-in.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import type { FactorStore } from './store.js';

const COOKIE = 'wf_trust';
const hash = (token: string) => createHash('sha256').update(token).digest('base64url');

export function createTrustedDevices(store: FactorStore, secure: boolean) {
  return {
    async isTrusted(ctx: Context, userId: string) {
      const tokens = (ctx.cookies.get(COOKIE, { signed: true }) ?? '').split('.').filter(Boolean);
      for (const token of tokens) {
        const row = await store.findTrustedDevice(hash(token));
        if (row?.user_id === userId) return true;
      }
      return false;
    },
    async trust(ctx: Context, userId: string, days: number) {
      const token = randomBytes(24).toString('base64url');
      await store.insertTrustedDevice({
        user_id: userId,
        token_hash: hash(token),
        user_agent: ctx.get('user-agent')?.slice(0, 300) || null,
        ip: ctx.ip,
        days,
      });
      const others = (ctx.cookies.get(COOKIE, { signed: true }) ?? '').split('.').filter(Boolean).slice(0, 4);
      ctx.cookies.set(COOKIE, [token, ...others].join('.'), {
        signed: true,
        httpOnly: true,
        sameSite: 'lax',
        secure,
        maxAge: days * 86400e3,
        overwrite: true,
      });
    },
    list: (userId: string) => store.trustedDevicesOf(userId),
    revoke: (userId: string, id: string) => store.revokeTrustedDevice(userId, id),
    revokeAll: (userId: string) => store.revokeAllTrustedDevices(userId),
  };
}
export type TrustedDevices = ReturnType<typeof createTrustedDevices>;
