/**
 * CSRF protection for our forms: a random value in a signed, HttpOnly, SameSite=Lax cookie, repeated
 * in a hidden form field and compared in constant time on every POST. Another site can neither read
 * the cookie nor forge its signature. Mismatches are security events and get a 403 page.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, Next } from 'koa';
import { AppError } from '../lib/errors.js';
import { bodyOf, form, text } from './input.js';

const csrfField = form({ csrf: text });

const COOKIE = 'wf_csrf';

/**
 * Whether `sent` is this browser's CSRF value (for forms the shared page router does not parse:
 * uploads); pages rendered after it get the value for their forms.
 */
export function csrfMatches(ctx: Context, sent: unknown): boolean {
  const token = ctx.cookies.get(COOKIE, { signed: true });
  if (token) ctx.state.csrf = token;
  return !!token && typeof sent === 'string' && sent.length === token.length && timingSafeEqual(Buffer.from(sent), Buffer.from(token));
}

export function csrf(opts: { secure: boolean; onFailure?: (ctx: Context) => Promise<void> | void }) {
  return async function csrfMiddleware(ctx: Context, next: Next) {
    let token = ctx.cookies.get(COOKIE, { signed: true });
    if (!token) {
      token = randomBytes(24).toString('base64url');
      ctx.cookies.set(COOKIE, token, { signed: true, httpOnly: true, sameSite: 'lax', secure: opts.secure, overwrite: true });
    }
    ctx.state.csrf = token;
    if (ctx.method === 'POST') {
      const sent = bodyOf(ctx, csrfField).csrf;
      const ok = typeof sent === 'string' && sent.length === token.length && timingSafeEqual(Buffer.from(sent), Buffer.from(token));
      if (!ok) {
        await opts.onFailure?.(ctx);
        throw new AppError('csrf_failed', 403, 'this form has expired or was sent from another site');
      }
    }
    await next();
  };
}
