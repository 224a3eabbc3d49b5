/**
 * A signed, long-lived "known device" cookie listing (hashed) the accounts that signed in on this
 * browser. It only relaxes the account-wide throttle for their owner; it grants nothing.
 */
import { createHash } from 'node:crypto';
import type { Context } from 'koa';

const COOKIE = 'wf_known';
const tag = (userId: string) => createHash('sha256').update(`known:${userId}`).digest('base64url').slice(0, 16);

export function isKnownDevice(ctx: Context, userId: string) {
  return (ctx.cookies.get(COOKIE, { signed: true }) ?? '').split('.').includes(tag(userId));
}

export function rememberDevice(ctx: Context, userId: string, secure: boolean) {
  const tags = (ctx.cookies.get(COOKIE, { signed: true }) ?? '').split('.').filter(Boolean);
  const next = [tag(userId), ...tags.filter((t) => t !== tag(userId))].slice(0, 5);
  ctx.cookies.set(COOKIE, next.join('.'), {
    signed: true,
    httpOnly: true,
    sameSite: 'lax',
    secure,
    maxAge: 365 * 86400e3,
    overwrite: true,
  });
}
