/**
 * SQL for device sign-in: the polling record of each device code (RFC 8628 §3.5 slow_down), made
 * when the code is issued and kept an hour past the code's expiry, so a device polling with an
 * expired code is told `expired_token` (its code row is gone or no longer live by then).
 */
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../db/index.js';

/** Allowance for network jitter: a poll this much early still counts as on time. */
const JITTER_MS = 250;
/** How long past its expiry a code is still recognised as expired (rather than unknown). */
const KEPT_AFTER_EXPIRY = sql`interval '1 hour'`;

export const hashDeviceCode = (code: string) => createHash('sha256').update(code).digest('base64url');

export function createDeviceStore(db: Db) {
  return {
    /** Records a code as it is issued (not as a poll: the device's first poll is on time). */
    async issued(code: string, interval: number, expiresInSeconds: number) {
      await db
        .insertInto('device_polls')
        .values({
          code_hash: hashDeviceCode(code),
          interval_seconds: interval,
          last_poll_at: sql`now() - make_interval(secs => ${interval})`,
          expires_at: sql`now() + make_interval(secs => ${expiresInSeconds})`,
        })
        .onConflict((oc) => oc.column('code_hash').doNothing())
        .execute();
    },
    /** True when the code was issued here and its time has passed. */
    async expired(code: string): Promise<boolean> {
      const row = await db
        .selectFrom('device_polls')
        .select('code_hash')
        .where('code_hash', '=', hashDeviceCode(code))
        .where('expires_at', '<=', sql<Date>`now()`)
        .executeTakeFirst();
      return row !== undefined;
    },
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
        .where('expires_at', '<', sql<Date>`now() - ${KEPT_AFTER_EXPIRY}`)
        .execute();
    },
  };
}

export type DeviceStore = ReturnType<typeof createDeviceStore>;
