/** SQL for what the bootstrap file last applied: one digest (and the notes it produced) per entry. */
import { sql } from 'kysely';
import type { Db } from '../db/index.js';

/** The advisory lock that lets one instance at a time apply the bootstrap file (Postgres). */
const APPLY_LOCK = 4242003;

export function createBootstrapStore(db: Db) {
  return {
    /**
     * Runs `fn` holding the bootstrap lock, on a connection of its own: instances that start together on
     * one Postgres apply one after the other (the later one finds the entries applied and unchanged).
     */
    async exclusively<T>(fn: () => Promise<T>): Promise<T> {
      return db.connection().execute(async (conn) => {
        await sql`select pg_advisory_lock(${APPLY_LOCK})`.execute(conn);
        try {
          return await fn();
        } finally {
          await sql`select pg_advisory_unlock(${APPLY_LOCK})`.execute(conn);
        }
      });
    },
    async applied(): Promise<Map<string, { digest: string; notes: string[] }>> {
      const rows = await db.selectFrom('bootstrap_applied').select(['entry', 'digest', 'notes']).execute();
      return new Map(rows.map((r) => [r.entry, { digest: r.digest, notes: r.notes }]));
    },
    async record(entry: string, digest: string, notes: string[] = []) {
      const row = { entry, digest, notes: JSON.stringify(notes), applied_at: new Date() };
      await db
        .insertInto('bootstrap_applied')
        .values(row)
        .onConflict((oc) => oc.column('entry').doUpdateSet({ digest: row.digest, notes: row.notes, applied_at: row.applied_at }))
        .execute();
    },
  };
}
export type BootstrapStore = ReturnType<typeof createBootstrapStore>;
