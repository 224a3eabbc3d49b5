/**
 * Push delivery behind one small interface. A transport only tells devices that a sign-in request is
 * waiting; the request itself stays in Postgres and a device always reads it (and answers it) over
 * the signed device API (GET /api/push/device/:id/next, a database-backed long-poll every instance
 * can serve), so a lost notice delays nothing beyond the device's next poll. Rules:
 * - a notice carries identifiers only (no number, no app, no address): a gateway learns nothing
 *   that would help answer the request;
 * - delivery failures are logged, never raised: a sign-in does not fail because a gateway is down;
 * - the built-in transport is webhook + long-poll: when `push.webhookUrl` is configured, each notice
 *   is POSTed as JSON to that operator-chosen gateway (which relays it to APNs, FCM…), with a short
 *   timeout; devices that long-poll need nothing else.
 */
import type { Logger } from '../lib/log.js';

export interface PushNotice {
  challengeId: string;
  /** The paired devices (user_factors ids) the request is addressed to. */
  deviceIds: string[];
  expiresAt: Date;
}

export interface PushTransport {
  readonly name: string;
  notify(notice: PushNotice): Promise<void>;
}

const TIMEOUT_MS = 3000;

export function createWebhookTransport(webhookUrl: string | undefined, log: Logger): PushTransport {
  return {
    name: webhookUrl ? 'webhook+long-poll' : 'long-poll',
    async notify(notice) {
      if (!webhookUrl) return;
      try {
        const res = await fetch(webhookUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            type: 'wayfinder.push.challenge',
            challengeId: notice.challengeId,
            deviceIds: notice.deviceIds,
            expiresAt: notice.expiresAt.toISOString(),
          }),
          signal: AbortSignal.timeout(TIMEOUT_MS),
          redirect: 'error',
        });
        if (!res.ok) log.warn({ status: res.status, challengeId: notice.challengeId }, 'push webhook refused the notice');
        await res.body?.cancel();
      } catch (err) {
        log.warn(
          { err: (err as Error).message, challengeId: notice.challengeId },
          'push webhook unreachable; devices will see the request on their next poll',
        );
      }
    },
  };
}
