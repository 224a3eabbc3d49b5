/**
 * Is the database reachable? Rules:
 * - an error that says the database cannot be reached (refused or dropped connection, server shutting
 *   down or starting, a pool that cannot get a connection in time) is an outage, not a bug: callers answer
 *   503 with Retry-After and do not log it per request;
 * - the first such error starts a probe that pings at once and then every `probeMs`. A failed first ping
 *   confirms the outage: one line "database unavailable" (with the first error's reason); the first
 *   success after it logs one line "database available again": one line per change of state. A first
 *   ping that succeeds means no outage (one dropped connection, or a request that failed just before a
 *   recovery and reports late): one warning, not a second "unavailable" line;
 * - nothing here stops requests from trying: the pool reconnects by itself as soon as Postgres is back.
 */
import type { Logger } from '../lib/log.js';
import { ping, type Db } from './index.js';

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** SQLSTATE: 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now, 53300 too_many_connections. */
const SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
const MESSAGES = new RegExp(
  [
    'connection terminated',
    'timeout exceeded when trying to connect',
    'connection timeout',
    'not queryable',
    'terminating connection',
    'the database system is (starting up|shutting down)',
  ].join('|'),
  'i',
);

interface MaybeConnectionError {
  code?: unknown;
  message?: unknown;
  errors?: unknown;
  cause?: unknown;
}

export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 4) return false;
  const e = err as MaybeConnectionError;
  const code = typeof e.code === 'string' ? e.code : '';
  if (NETWORK_CODES.has(code) || SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return true;
  if (typeof e.message === 'string' && MESSAGES.test(e.message)) return true;
  if (Array.isArray(e.errors) && e.errors.some((x) => isDatabaseUnavailable(x, depth + 1))) return true; // AggregateError
  return isDatabaseUnavailable(e.cause, depth + 1);
}

export interface DatabaseHealth {
  /** False from the first connection error until a ping succeeds again. */
  readonly up: boolean;
  /** Records `err` if it is an outage (returns true: answer 503); other errors return false. */
  failed(err: unknown): boolean;
  /** Seconds a client should wait before trying again. */
  readonly retryAfterSeconds: number;
  stop(): void;
}

export function createDatabaseHealth(db: Db, log: Logger, options: { probeMs?: number; retryAfterSeconds?: number } = {}): DatabaseHealth {
  const probeMs = options.probeMs ?? 250;
  let up = true;
  let since = 0;
  /** The error that started this episode, and whether a ping has confirmed it as an outage. */
  let first: { code: unknown; reason: string } | undefined;
  let confirmed = false;
  let probe: NodeJS.Timeout | undefined;
  let probing = false;

  function tick() {
    if (probing) return;
    probing = true;
    ping(db)
      .then(
        () => {
          if (confirmed) log.warn({ downMs: Date.now() - since }, 'database available again');
          else log.warn({ ...first }, 'database connection failed, but the database answers');
          up = true;
          confirmed = false;
          clearInterval(probe);
          probe = undefined;
        },
        () => {
          if (!confirmed) log.error({ ...first }, 'database unavailable');
          confirmed = true; // still down: the next tick tries again
        },
      )
      .finally(() => {
        probing = false;
      });
  }

  function startProbe() {
    probe ??= setInterval(tick, probeMs);
    probe.unref();
    tick();
  }

  return {
    get up() {
      return up;
    },
    retryAfterSeconds: options.retryAfterSeconds ?? 5,
    failed(err) {
      if (!isDatabaseUnavailable(err)) return false;
      if (up) {
        up = false;
        since = Date.now();
        const e = err as MaybeConnectionError;
        first = { code: e.code, reason: String(e.message ?? err) };
        startProbe();
      }
      return true;
    },
    stop() {
      clearInterval(probe);
      probe = undefined;
    },
  };
}
