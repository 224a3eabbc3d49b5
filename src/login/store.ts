/** SQL for sign-in journeys (state between the steps of one interaction) and throttles. */
import { sql } from 'kysely';
import type { Db } from '../db/index.js';

export function createLoginStore(db: Db) {
  return {
    async loadJourney(uid: string): Promise<Record<string, unknown> | undefined> {
      const row = await db
        .selectFrom('login_journeys')
        .select('state')
        .where('uid', '=', uid)
        .where('expires_at', '>', sql<Date>`now()`)
        .executeTakeFirst();
      return row?.state;
    },
    async saveJourney(uid: string, state: Record<string, unknown>, ttlSeconds: number) {
      const values = { uid, state: JSON.stringify(state), expires_at: new Date(Date.now() + ttlSeconds * 1000) };
      await db
        .insertInto('login_journeys')
        .values(values)
        .onConflict((oc) => oc.column('uid').doUpdateSet({ state: values.state, expires_at: values.expires_at }))
        .execute();
    },
    async deleteJourney(uid: string) {
      await db.deleteFrom('login_journeys').where('uid', '=', uid).execute();
    },
    async purgeJourneys() {
      await db
        .deleteFrom('login_journeys')
        .where('expires_at', '<', sql<Date>`now()`)
        .execute();
    },

    /** The throttle rows of these keys that exist (one statement, whatever the number of keys). */
    throttles: (keys: string[]) => db.selectFrom('throttles').selectAll().where('key', 'in', keys).execute(),
    /** Counts one failure atomically; a window older than `windowSeconds` starts again at 1. */
    async recordFailure(key: string, windowSeconds: number, blockFor: (failures: number) => number) {
      const row = await db
        .insertInto('throttles')
        .values({ key, failures: 1, first_failure_at: new Date() })
        .onConflict((oc) =>
          oc.column('key').doUpdateSet({
            failures: sql`case when throttles.first_failure_at < now() - make_interval(secs => ${windowSeconds}) then 1 else throttles.failures + 1 end`,
            first_failure_at: sql`case when throttles.first_failure_at < now() - make_interval(secs => ${windowSeconds}) then now() else throttles.first_failure_at end`,
          }),
        )
        .returning('failures')
        .executeTakeFirstOrThrow();
      const seconds = blockFor(row.failures);
      if (seconds > 0) {
        await db
          .updateTable('throttles')
          .set({ blocked_until: new Date(Date.now() + seconds * 1000) })
          .where('key', '=', key)
          .execute();
      }
      return row.failures;
    },
    async clear(keys: string[]) {
      if (keys.length) await db.deleteFrom('throttles').where('key', 'in', keys).execute();
    },
  };
}
export type LoginStore = ReturnType<typeof createLoginStore>;
