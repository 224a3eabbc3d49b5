/**
 * Refresh tokens within the session lengths of their person's organizations (orgs/session-lengths.ts).
 * Rules:
 * - a refresh token never outlives the sign-in it came from: counted from that sign-in (`authTime`,
 *   kept across rotations), at most `max_session_hours` when it was made without "Stay signed in",
 *   `remember_days` with it (read from its session; the shorter of the two once that session is gone);
 * - checked at every use, so a length shortened later applies to the refresh tokens already out: past
 *   it the refresh is `invalid_grant`, the app signs the person in again;
 * - the tokens issued at the token endpoint (a refresh token and the access token with it) expire no
 *   later than the sign-in may last, so they also lapse in storage and at introspection;
 * - someone whose organizations set no length (or of no organization) keeps the deployment's lifetimes.
 * Run from findAccount (oidc-provider passes the code or refresh token being redeemed there), before
 * any token is issued; the lifetimes read the answer left for this request.
 */
import type { KoaContextWithOIDC } from 'oidc-provider';
import { errors } from './lib.js';
import { limitSeconds, type SessionLengths } from '../orgs/session-lengths.js';

export type LengthsFor = (userId: string) => Promise<SessionLengths>;

/** What findAccount receives as its third argument at the token endpoint (the parts read here). */
interface Redeemed {
  kind?: string;
  authTime?: number;
  sessionUid?: string;
}

const REDEEMED = new Set(['AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest']);

export function createRefreshTokenLimit(lengthsFor: () => LengthsFor | undefined, now: () => number = Date.now) {
  /** Seconds the sign-in behind this request's tokens may still last (absent: no organization limit). */
  const remainingOf = new WeakMap<object, number>();

  return {
    /** At the token endpoint: refuses a refresh token past its sign-in's length; notes what is left for the lifetimes. */
    async check(ctx: KoaContextWithOIDC | undefined, accountId: string, token: unknown) {
      const t = (token ?? {}) as Redeemed;
      const lookup = lengthsFor();
      if (!ctx || !lookup || !t.kind || !REDEEMED.has(t.kind) || typeof t.authTime !== 'number') return;
      // A code redeemed by an app that gets no refresh token: nothing to bound (and no statement spent).
      if (t.kind !== 'RefreshToken' && !ctx.oidc.client?.grantTypeAllowed('refresh_token')) return;
      const lengths = await lookup(accountId);
      if (lengths.max_session_hours === null && lengths.remember_days === null) return;
      const session = t.sessionUid ? await ctx.oidc.provider.Session.findByUid(t.sessionUid) : undefined;
      const limit = limitSeconds(lengths, session ? !!session.transient : undefined);
      if (limit === undefined) return;
      const remaining = Math.floor(t.authTime + limit - now() / 1000);
      if (t.kind === 'RefreshToken' && remaining <= 0)
        throw new errors.InvalidGrant('the sign-in this refresh token came from is older than the organization allows');
      remainingOf.set(ctx, Math.max(1, remaining));
    },
    /** A lifetime for a token issued in this request: `ttl`, or less when the sign-in ends sooner. */
    capped(ctx: KoaContextWithOIDC | undefined, ttl: number) {
      const remaining = ctx ? remainingOf.get(ctx) : undefined;
      return remaining === undefined ? ttl : Math.min(ttl, remaining);
    },
  };
}
export type RefreshTokenLimit = ReturnType<typeof createRefreshTokenLimit>;
