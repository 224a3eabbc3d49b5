/** SQL for device sign-in: the polling record of each device code (RFC 8628 §3.5 slow_down). */
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../db/index.js';

/** Allowance for network jitter: a poll this much early still counts as on time. */
const JITTER_MS = 250;

export const hashDeviceCode = (code: string) => createHash('sha256').update(code).digest('base64url');

export function createDeviceStore(db: Db) {
  return {
    /**
     * Records a poll in one statement (parallel polls serialize on the row): a poll sooner than the
     * code's interval is too fast (slow_down). The device adds the 5 seconds itself (RFC 8628 §3.5);
     * the interval kept here does not grow with it, or a device that joined late (or a second poller
     * of the same code) would be chased forever instead of catching up.
     */
    async poll(code: string, baseInterval: number, expiresInSeconds: number): Promise<{ tooFast: boolean; interval: number }> {
      const row = await db
        .insertInto('device_polls')
        .values({
          code_hash: hashDeviceCode(code),
          interval_seconds: baseInterval,
          last_poll_at: sql`now()`,
          expires_at: sql`now() + make_interval(secs => ${expiresInSeconds})`,
        })
        .onConflict((oc) =>
          oc.column('code_hash').doUpdateSet({
            too_fast: sql<boolean>`device_polls.last_poll_at > now() - make_interval(secs => device_polls.interval_seconds) + make_interval(secs => ${JITTER_MS / 1000})`,
            last_poll_at: sql`now()`,
          }),
        )
        .returning(['too_fast', 'interval_seconds'])
        .executeTakeFirstOrThrow();
      return { tooFast: row.too_fast, interval: row.interval_seconds };
    },
    async purge() {
      await db
        .deleteFrom('device_polls')
        .where('expires_at', '<', sql<Date>`now()`)
        .execute();
    },
  };
}

export type DeviceStore = ReturnType<typeof createDeviceStore>;
