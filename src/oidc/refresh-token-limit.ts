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
 * - introspection follows the current lengths too: a refresh token, or an access token, whose sign-in is
 *   past its person's organizations' length (shortened since it was issued) answers `active: false`;
 *   access tokens carry their sign-in time (`auth_time`, RFC 9068) for that;
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

/** The parts of an introspected token read here. */
interface Introspected extends Redeemed {
  accountId?: string;
  extra?: { auth_time?: unknown };
}

/** Where the sign-in time of an access token being issued is read (the token endpoint's redeemed token). */
const SOURCES = ['AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest'] as const;

const REDEEMED = new Set(['AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest']);

export function createRefreshTokenLimit(lengthsFor: () => LengthsFor | undefined, now: () => number = Date.now) {
  /** Seconds the sign-in behind this request's tokens may still last (absent: no organization limit). */
  const remainingOf = new WeakMap<object, number>();

  /** Seconds left of the sign-in at `authTime` for this person (undefined: no organization limit). */
  async function remainingFor(ctx: KoaContextWithOIDC, lookup: LengthsFor, accountId: string, authTime: number, sessionUid?: string) {
    const lengths = await lookup(accountId);
    if (lengths.max_session_hours === null && lengths.remember_days === null) return undefined;
    const session = sessionUid ? await ctx.oidc.provider.Session.findByUid(sessionUid) : undefined;
    const limit = limitSeconds(lengths, session ? !!session.transient : undefined);
    return limit === undefined ? undefined : Math.floor(authTime + limit - now() / 1000);
  }

  return {
    /** At the token endpoint: refuses a refresh token past its sign-in's length; notes what is left for the lifetimes. */
    async check(ctx: KoaContextWithOIDC | undefined, accountId: string, token: unknown) {
      const t = (token ?? {}) as Redeemed;
      const lookup = lengthsFor();
      if (!ctx || !lookup || !t.kind || !REDEEMED.has(t.kind) || typeof t.authTime !== 'number') return;
      // A code redeemed by an app that gets no refresh token: nothing to bound (and no statement spent).
      if (t.kind !== 'RefreshToken' && !ctx.oidc.client?.grantTypeAllowed('refresh_token')) return;
      const remaining = await remainingFor(ctx, lookup, accountId, t.authTime, t.sessionUid);
      if (remaining === undefined) return;
      if (t.kind === 'RefreshToken' && remaining <= 0)
        throw new errors.InvalidGrant('the sign-in this refresh token came from is older than the organization allows');
      remainingOf.set(ctx, Math.max(1, remaining));
    },
    /** At introspection: false for a refresh or access token whose sign-in is past its person's current length. */
    async current(ctx: KoaContextWithOIDC, token: unknown) {
      const t = (token ?? {}) as Introspected;
      const lookup = lengthsFor();
      const authTime = t.kind === 'RefreshToken' ? t.authTime : t.kind === 'AccessToken' ? t.extra?.auth_time : undefined;
      if (!lookup || !t.accountId || typeof authTime !== 'number') return true;
      const remaining = await remainingFor(ctx, lookup, t.accountId, authTime, t.sessionUid);
      return remaining === undefined || remaining > 0;
    },
    /** Claims of an access token issued now: the time of the sign-in it comes from, when known (RFC 9068 `auth_time`). */
    claims(ctx: KoaContextWithOIDC | undefined, token: unknown) {
      if ((token as Redeemed | undefined)?.kind !== 'AccessToken' || !ctx?.oidc) return undefined;
      const entities = ctx.oidc.entities as Record<string, Redeemed | undefined>;
      const authTime = SOURCES.map((kind) => entities[kind]?.authTime).find((t) => typeof t === 'number');
      return authTime === undefined ? undefined : { auth_time: authTime };
    },
    /** A lifetime for a token issued in this request: `ttl`, or less when the sign-in ends sooner. */
    capped(ctx: KoaContextWithOIDC | undefined, ttl: number) {
      const remaining = ctx ? remainingOf.get(ctx) : undefined;
      return remaining === undefined ? ttl : Math.min(ttl, remaining);
    },
  };
}
export type RefreshTokenLimit = ReturnType<typeof createRefreshTokenLimit>;
