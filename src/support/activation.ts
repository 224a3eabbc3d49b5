/**
 * Ad hoc support, the customer's temporary support app. Rules:
 * - activation takes the security code and the app's public key, signed with that key; it succeeds
 *   once, while the code is valid, and the pairing then lasts `sessionHours` (24) from activation,
 *   whether or not the computer stays online, then ends by itself;
 * - guessing codes is throttled per address and per code like passwords (login/throttle.ts), and a
 *   wrong code is a security event; a code is looked up by its hash only;
 * - every later call is signed by the activated key and checked against the session as it is now,
 *   so "End session now" takes effect on the next call;
 * - an expired, ended, used or unknown code gets its own answer in words the app shows as they are.
 */
import type { Context } from 'koa';
import type { Audit } from '../audit/index.js';
import type { Throttle } from '../login/throttle.js';
import { AppError } from '../lib/errors.js';
import { freshTimestamp, parseDeviceKey, thumbprint, verifySignature } from '../factors/push-protocol.js';
import { hashSecurityCode, normalizeSecurityCode, supportText } from './protocol.js';
import type { SupportSession, SupportStore } from './store.js';
import type { SupportClock } from './sessions.js';

export interface ActivationDeps {
  store: SupportStore;
  throttle: Throttle;
  audit: Audit;
  sessionHours: number;
  clock: SupportClock;
}

/** A refusal the app shows as it is: a code, an HTTP status and a translated sentence. */
function refusal(ctx: Context, code: string, status: number, key: string, vars: Record<string, unknown> = {}) {
  return new AppError(code, status, ctx.state.t(key, vars), true, vars.seconds ? { retryAfter: vars.seconds } : undefined);
}

/** Why a session is no longer usable at `now`, if it is not. */
function closed(ctx: Context, s: SupportSession, now: Date) {
  if (s.status === 'ended') return refusal(ctx, 'support_session_ended', 410, 'support.ended');
  if (s.status === 'pending' && s.code_expires_at <= now) return refusal(ctx, 'support_session_expired', 410, 'support.expired');
  if (s.status === 'active' && s.ends_at && s.ends_at <= now) return refusal(ctx, 'support_session_expired', 410, 'support.expired');
  return undefined;
}

export function createSupportActivation(d: ActivationDeps) {
  return {
    async activate(ctx: Context, input: { code?: unknown; key?: unknown; timestamp?: unknown; signature?: unknown }) {
      const code = normalizeSecurityCode(input.code);
      const key = parseDeviceKey(input.key);
      const ts = freshTimestamp(input.timestamp);
      if (!code) throw refusal(ctx, 'unknown_code', 404, 'support.unknown_code');
      if (!key || ts === undefined)
        throw new AppError('invalid_request', 400, 'expected { code, key (P-256 public JWK), timestamp, signature }');
      if (!verifySignature(key, supportText.activate(code, thumbprint(key), ts), input.signature))
        throw new AppError('invalid_signature', 401, 'the signature does not match the key sent');
      const subject = { emailNorm: `support-code:${code}`, ip: ctx.ip, knownDevice: false };
      const checked = await d.throttle.check(subject);
      if (checked.wait > 0) throw refusal(ctx, 'too_many_attempts', 429, 'support.too_many', { seconds: checked.wait });
      const session = await d.store.byCodeHash(hashSecurityCode(code));
      if (!session) {
        await d.throttle.failure(subject);
        await d.audit.record(ctx, { type: 'support.activation_failed', outcome: 'failure', data: { reason: 'unknown_code' } });
        throw refusal(ctx, 'unknown_code', 404, 'support.unknown_code');
      }
      const now = d.clock.now();
      const gone = closed(ctx, session, now);
      if (gone) throw gone;
      const endsAt = new Date(now.getTime() + d.sessionHours * 3_600_000);
      if (session.status !== 'pending' || !(await d.store.activate(session.id, now, endsAt, key, ctx.ip))) {
        await d.audit.record(ctx, {
          type: 'support.activation_failed',
          outcome: 'failure',
          data: { reason: 'used', sessionId: session.id },
        });
        throw refusal(ctx, 'code_already_used', 409, 'support.used_code');
      }
      await d.throttle.success(subject, checked);
      await d.audit.record(ctx, {
        type: 'support.session_activated',
        outcome: 'success',
        userId: session.technician_id,
        data: { sessionId: session.id, orgId: session.org_id, endsAt: endsAt.toISOString() },
      });
      return { session_id: session.id, status: 'active' as const, activated_at: now.toISOString(), ends_at: endsAt.toISOString() };
    },

    /** The session as the app's credential sees it now (signed by the activated key). */
    async status(ctx: Context, sessionId: string, headers: { timestamp?: string; signature?: string }) {
      const session = /^[0-9a-f-]{36}$/.test(sessionId) ? await d.store.byId(sessionId) : undefined;
      const ts = freshTimestamp(headers.timestamp);
      const key = session?.device_key ? parseDeviceKey(session.device_key) : undefined;
      if (!session || !key) throw refusal(ctx, 'unknown_session', 404, 'support.unknown_session');
      if (ts === undefined || !verifySignature(key, supportText.status(session.id, ts), headers.signature)) {
        await d.audit.record(ctx, { type: 'support.bad_signature', outcome: 'failure', data: { sessionId: session.id } });
        throw new AppError('invalid_signature', 401, 'the signature does not match the activated key');
      }
      const gone = closed(ctx, session, d.clock.now());
      if (gone) throw gone;
      return {
        session_id: session.id,
        status: 'active' as const,
        activated_at: session.activated_at!.toISOString(),
        ends_at: session.ends_at!.toISOString(),
      };
    },
  };
}

export type SupportActivation = ReturnType<typeof createSupportActivation>;
