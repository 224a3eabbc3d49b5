/**
 * Session lengths an organization may choose for its members, within the deployment's own:
 * - `max_session_hours`: a sign-in without "Stay signed in" lasts at most this long (bounded by
 *   `oidc.transientSessionTtl`);
 * - `remember_days`: with "Stay signed in", at most this many days (bounded by `session.rememberDays`).
 * Both count from the sign-in itself (not from the last visit) and apply to every session of a
 * member, whenever it is used again: a session of someone in several organizations gets the shortest.
 * A session past its length signs in again from the start (the whole journey, not a step-up).
 * Refresh tokens follow the sign-in they came from (oidc/refresh-token-limit.ts): they never outlive
 * its length, and a shorter length set later refuses them at their next use.
 */
export interface SessionLengths {
  max_session_hours: number | null;
  remember_days: number | null;
}

/** What a reused session says about itself (oidc-provider's session, or My account's). */
export interface SessionAgeInput {
  accountId: string;
  /** Seconds since the epoch, whole. */
  loginTs?: number;
  /** Without "Stay signed in" (ends with the browser). */
  transient?: boolean;
}

/** True when the session is older than its person's organizations allow. */
export type SessionAge = (session: SessionAgeInput) => Promise<boolean>;

export interface SessionBounds {
  /** The deployment's longest session without "Stay signed in", in whole hours (at least 1). */
  maxSessionHours: number;
  /** The deployment's "Stay signed in" days. */
  rememberDays: number;
}

export const boundsOf = (config: { oidc: { transientSessionTtl: number }; session: { rememberDays: number } }): SessionBounds => ({
  maxSessionHours: Math.max(1, Math.floor(config.oidc.transientSessionTtl / 3600)),
  rememberDays: config.session.rememberDays,
});

/**
 * The longest a sign-in may last for these lengths, in seconds (undefined: the organizations set
 * none for it): `max_session_hours` without "Stay signed in", `remember_days` with it, and the
 * shorter of the two when the kind of sign-in is not known any more (its session has ended).
 */
export function limitSeconds(lengths: SessionLengths, transient: boolean | undefined): number | undefined {
  const hours = lengths.max_session_hours === null ? undefined : lengths.max_session_hours * 3600;
  const days = lengths.remember_days === null ? undefined : lengths.remember_days * 86400;
  if (transient === undefined) return hours === undefined ? days : days === undefined ? hours : Math.min(hours, days);
  return transient ? hours : days;
}

export function createSessionAge(d: { lengthsFor: (userId: string) => Promise<SessionLengths>; now?: () => number }): SessionAge {
  const now = d.now ?? Date.now;
  return async (s) => {
    if (!s.loginTs) return false;
    const limit = limitSeconds(await d.lengthsFor(s.accountId), !!s.transient);
    return limit !== undefined && now() / 1000 - s.loginTs > limit;
  };
}
