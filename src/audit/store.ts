/** SQL for the audit log. */
import type { Db } from '../db/index.js';
import type { AuditEventTable } from '../db/schema.js';

export type AuditRow = Omit<AuditEventTable, 'id' | 'at' | 'data'> & { data: Record<string, unknown> };

export function createAuditStore(db: Db) {
  return {
    /** Inserts the rows in one statement, in the order given (Postgres numbers VALUES rows in that order). */
    async insert(rows: AuditRow[]) {
      await db
        .insertInto('audit_events')
        .values(rows.map((row) => ({ ...row, data: JSON.stringify(row.data) })))
        .execute();
    },
    recent: (filter: { type?: string; userId?: string; limit?: number } = {}) => {
      let q = db
        .selectFrom('audit_events')
        .selectAll()
        .orderBy('id', 'desc')
        .limit(filter.limit ?? 100);
      if (filter.type) q = q.where('type', '=', filter.type);
      if (filter.userId) q = q.where('user_id', '=', filter.userId);
      return q.execute();
    },
  };
}
export type AuditStore = ReturnType<typeof createAuditStore>;
