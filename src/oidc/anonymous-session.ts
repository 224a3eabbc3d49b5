/**
 * Where a session with no account lives: in the browser, never in the database. oidc-provider makes
 * a session for every request and saves it when it holds a form secret (the logout confirmation, the
 * device code form); one stored row per anonymous request let anyone fill the table. Rules:
 * - a session without an account is kept in one signed, httpOnly cookie (id and payload), for at most
 *   an hour, and only within a provider request; outside one (or over 3 KB) it is not kept at all;
 * - a session is found in the database first, then in this cookie (same id only);
 * - signing in turns it into a stored session (the adapter stores it and clears the cookie).
 */
import type { Context } from 'koa';
import Provider from './lib.js';
import type { AdapterPayload } from 'oidc-provider';

export const ANONYMOUS_SESSION_COOKIE = 'wf_anon';
const MAX_SECONDS = 3600;
const MAX_BYTES = 3000;

interface Stored {
  id: string;
  payload: AdapterPayload;
  exp: number;
}

function currentCtx(): Context | undefined {
  return Provider.ctx as Context | undefined;
}

export function createAnonymousSessions(secure: boolean) {
  const options = { signed: true, httpOnly: true, sameSite: 'lax' as const, secure, overwrite: true };

  function read(ctx: Context): Stored | undefined {
    const raw = ctx.cookies.get(ANONYMOUS_SESSION_COOKIE, { signed: true });
    if (!raw) return undefined;
    try {
      const stored = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Stored;
      return typeof stored.id === 'string' && stored.exp > Date.now() / 1000 ? stored : undefined;
    } catch {
      return undefined;
    }
  }

  return {
    /** Keeps an accountless session in the browser of the current request (or nowhere). */
    save(id: string, payload: AdapterPayload, expiresIn: number) {
      const ctx = currentCtx();
      if (!ctx) return;
      const seconds = Math.min(expiresIn || MAX_SECONDS, MAX_SECONDS);
      const value = Buffer.from(JSON.stringify({ id, payload, exp: Math.floor(Date.now() / 1000) + seconds })).toString('base64url');
      if (value.length > MAX_BYTES) return;
      ctx.cookies.set(ANONYMOUS_SESSION_COOKIE, value, { ...options, maxAge: seconds * 1000 });
    },

    find(id: string): AdapterPayload | undefined {
      const ctx = currentCtx();
      const stored = ctx && read(ctx);
      return stored?.id === id ? stored.payload : undefined;
    },

    /** Forgets the browser's anonymous session (it was destroyed, or it now has an account). */
    forget(id?: string) {
      const ctx = currentCtx();
      if (!ctx || !ctx.cookies.get(ANONYMOUS_SESSION_COOKIE)) return;
      if (id !== undefined && read(ctx)?.id !== id) return;
      ctx.cookies.set(ANONYMOUS_SESSION_COOKIE, null, options);
    },
  };
}
export type AnonymousSessions = ReturnType<typeof createAnonymousSessions>;
