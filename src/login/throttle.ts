/**
 * Throttling of password guesses with a progressive delay. Three counters, so an attacker can slow
 * guessing without locking the real person out:
 * - per (account, client IP): after `accountFreeAttempts` failures the delay doubles from 2 s up to
 *   `maxDelaySeconds`; the person on another network is unaffected;
 * - per client IP, across accounts (credential stuffing): after `ipFreeAttempts` failures, likewise;
 * - per account from anywhere (distributed guessing): after 4 × accountFreeAttempts, doubling but
 *   capped at 60 s, and skipped for a browser that has signed in to this account before (a signed
 *   "known device" cookie), so a botnet cannot keep the owner out.
 * Every delay ends by itself; counters reset after `windowSeconds` without failures and on success.
 */
import type { Config } from '../config/schema.js';
import type { LoginStore } from './store.js';

export interface ThrottleSubject {
  emailNorm: string;
  ip: string;
  knownDevice: boolean;
}

/** What one check read: the seconds to wait (0: go ahead), and which counters a success resets were there. */
export interface ThrottleCheck {
  wait: number;
  present: string[];
}

/** No delay for the first `free` failures, then 2 s doubling up to `cap`. */
const delay = (free: number, cap: number) => (failures: number) =>
  failures <= free ? 0 : Math.min(cap, 2 ** Math.min(failures - free, 20));

export function createThrottle(store: LoginStore, cfg: Config['throttle']) {
  const rules = (s: ThrottleSubject) => [
    { key: `acct-ip:${s.emailNorm}|${s.ip}`, blockFor: delay(cfg.accountFreeAttempts, cfg.maxDelaySeconds) },
    { key: `ip:${s.ip}`, blockFor: delay(cfg.ipFreeAttempts, cfg.maxDelaySeconds) },
    ...(s.knownDevice ? [] : [{ key: `acct:${s.emailNorm}`, blockFor: delay(cfg.accountFreeAttempts * 4, 60) }]),
  ];
  /** A success resets the account's counters (this IP's and anywhere's), never the IP's own: a sprayer's one hit must not clear it. */
  const resetOnSuccess = (s: ThrottleSubject) => [`acct-ip:${s.emailNorm}|${s.ip}`, `acct:${s.emailNorm}`];

  /**
   * Reads every counter of the subject in one statement: those that apply to it (the wait) and those
   * a success would reset (the account-wide one is read even for a known device, which it does not slow).
   */
  async function check(s: ThrottleSubject): Promise<ThrottleCheck> {
    const applying = rules(s).map((r) => r.key);
    const resettable = resetOnSuccess(s);
    const rows = await store.throttles([...new Set([...applying, ...resettable])]);
    let wait = 0;
    for (const row of rows) {
      if (applying.includes(row.key) && row.blocked_until)
        wait = Math.max(wait, Math.ceil((row.blocked_until.getTime() - Date.now()) / 1000));
    }
    return { wait: Math.max(0, wait), present: rows.map((r) => r.key).filter((k) => resettable.includes(k)) };
  }

  return {
    check,
    async failure(s: ThrottleSubject) {
      for (const { key, blockFor } of rules(s)) await store.recordFailure(key, cfg.windowSeconds, blockFor);
    },
    /**
     * Resets the account's counters after a success, in one statement; nothing is written when the
     * check made before this attempt found none of them (a failure counted meanwhile by a concurrent
     * attempt then stays counted: stricter, never looser).
     */
    async success(s: ThrottleSubject, checked: ThrottleCheck) {
      if (!checked.present.length) return;
      await store.clear(resetOnSuccess(s));
    },
  };
}
export type Throttle = ReturnType<typeof createThrottle>;

/** A plain attempt counter: at most `max` attempts per `windowSeconds` for a key (sign-up, reset mails). */
export function createRateLimiter(store: LoginStore) {
  return {
    async allow(key: string, max: number, windowSeconds: number): Promise<boolean> {
      const count = await store.recordFailure(`rate:${key}`, windowSeconds, () => 0);
      return count <= max;
    },
  };
}
export type RateLimiter = ReturnType<typeof createRateLimiter>;

export interface ClientAuthSubject {
  clientId: string;
  ip: string;
}

/**
 * Failed client authentication at the token, introspection, revocation, device and PAR endpoints,
 * with the same progressive delay and two counters, and no lockout of the real client:
 * - per (client, client IP): after `accountFreeAttempts` failures; the client's own servers, on
 *   other addresses, are unaffected;
 * - per client IP, across clients (spraying client ids or secrets): after `ipFreeAttempts`.
 * A success resets the (client, IP) counter only, never the IP's own.
 */
export function createClientAuthThrottle(store: LoginStore, cfg: Config['throttle']) {
  const rules = (s: ClientAuthSubject) => [
    { key: `client-ip:${s.clientId}|${s.ip}`, blockFor: delay(cfg.accountFreeAttempts, cfg.maxDelaySeconds) },
    { key: `client-from-ip:${s.ip}`, blockFor: delay(cfg.ipFreeAttempts, cfg.maxDelaySeconds) },
  ];
  return {
    async check(s: ClientAuthSubject): Promise<ThrottleCheck> {
      const keys = rules(s).map((r) => r.key);
      const rows = await store.throttles(keys);
      const wait = Math.max(0, ...rows.map((r) => (r.blocked_until ? Math.ceil((r.blocked_until.getTime() - Date.now()) / 1000) : 0)));
      return { wait, present: rows.map((r) => r.key).filter((k) => k === keys[0]) };
    },
    async failure(s: ClientAuthSubject) {
      for (const { key, blockFor } of rules(s)) await store.recordFailure(key, cfg.windowSeconds, blockFor);
    },
    async success(s: ClientAuthSubject, checked: ThrottleCheck) {
      if (checked.present.length) await store.clear(checked.present);
    },
  };
}
export type ClientAuthThrottle = ReturnType<typeof createClientAuthThrottle>;
