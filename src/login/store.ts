/** SQL for sign-in journeys (state between the steps of one interaction) and throttles. */
import { CompiledQuery, sql } from 'kysely';
import type { AuditRow } from '../audit/index.js';
import type { Db } from '../db/index.js';

/** The journey statements of every sign-in step, written once (not built and compiled per call: issue 18). */
const LOAD_JOURNEY = 'select state from login_journeys where uid = $1 and expires_at > now()';
const SAVE_JOURNEY = `insert into login_journeys (uid, state, expires_at) values ($1, $2, $3)
  on conflict (uid) do update set state = excluded.state, expires_at = excluded.expires_at`;
const DELETE_JOURNEY = 'delete from login_journeys where uid = $1';

export function createLoginStore(db: Db) {
  const run = async <R>(text: string, params: unknown[]) => (await db.executeQuery<R>(CompiledQuery.raw(text, params))).rows;
  return {
    async loadJourney(uid: string): Promise<Record<string, unknown> | undefined> {
      return (await run<{ state: Record<string, unknown> }>(LOAD_JOURNEY, [uid]))[0]?.state;
    },
    async saveJourney(uid: string, state: Record<string, unknown>, ttlSeconds: number) {
      await run(SAVE_JOURNEY, [uid, JSON.stringify(state), new Date(Date.now() + ttlSeconds * 1000)]);
    },
    async deleteJourney(uid: string) {
      await run(DELETE_JOURNEY, [uid]);
    },
    /** Ends the journey and writes its audit rows (in order) in one statement: a data-modifying CTE. */
    async endJourney(uid: string, audit: AuditRow[]) {
      await db
        .with('ended', (q) => q.deleteFrom('login_journeys').where('uid', '=', uid))
        .insertInto('audit_events')
        .values(audit.map((row) => ({ ...row, data: JSON.stringify(row.data) })))
        .execute();
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
