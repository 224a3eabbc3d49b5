/** SQL for what the bootstrap file last applied: one digest (and the notes it produced) per entry. */
import type { Db } from '../db/index.js';

export function createBootstrapStore(db: Db) {
  return {
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
