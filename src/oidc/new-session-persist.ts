/**
 * oidc-provider renders the device code form again after an error on /device and /device/:uid and
 * then `persist()`s the session it put the form's secret in. For a session never saved before (a
 * browser arriving without one) `persist()` throws ("only previously persisted Sessions"): a 500
 * instead of the 400 page it had rendered. Rule: a session never saved is saved then, like the
 * session middleware would (cookie and all), so the page stays a 4xx and its form works; a session
 * without an account stays out of the database (anonymous-session.ts).
 */
import type { KoaContextWithOIDC } from 'oidc-provider';
import Provider from './lib.js';

interface Persistable {
  exp?: number;
  id: string;
  persist(): Promise<string>;
  save(ttl: number): Promise<string>;
}

export function persistNewSessions(provider: Provider, cookieOptions: Record<string, unknown>, ttlSeconds: number) {
  const prototype = provider.Session.prototype as unknown as Persistable;
  const persisted = prototype.persist;
  prototype.persist = function persist(this: Persistable) {
    if (typeof this.exp === 'number') return persisted.call(this);
    const ctx = Provider.ctx as KoaContextWithOIDC | undefined;
    ctx?.oidc.cookies.set(provider.cookieName('session'), this.id, cookieOptions);
    return this.save(ttlSeconds);
  };
}
