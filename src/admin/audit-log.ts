/**
 * The audit log for administrators. Rules:
 * - an organization administrator reads only events of its organization (audit_events.org_id);
 *   an operator reads all, or one organization's with `?org=`;
 * - filters: person, type, time range; pages go backwards from the newest with a cursor (an id);
 * - exports (CSV with csv-stringify, or JSON lines) are streamed in batches of 1,000 rows read by
 *   keyset, so 100,000 events never sit in memory at once.
 */
import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import { z } from 'zod';
import type { AdminStore, AuditQuery } from './store.js';

export const auditFilterInput = z.strictObject({
  user: z.string().max(100).optional(),
  type: z.string().max(100).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  cursor: z
    .string()
    .regex(/^\d{1,19}$/)
    .optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export const auditExportInput = auditFilterInput
  .omit({ cursor: true, limit: true })
  .extend({ format: z.enum(['csv', 'jsonl']).default('csv') });

export const auditEventView = z.object({
  id: z.string(),
  at: z.string(),
  type: z.string(),
  outcome: z.string(),
  org_id: z.string().nullable(),
  actor: z.string().nullable(),
  user_id: z.string().nullable(),
  client_id: z.string().nullable(),
  ip: z.string().nullable(),
  request_id: z.string().nullable(),
  data: z.record(z.string(), z.unknown()),
});

type Row = Awaited<ReturnType<AdminStore['auditPage']>>[number];
const view = (r: Row) => ({
  id: String(r.id),
  at: r.at.toISOString(),
  type: r.type,
  outcome: r.outcome,
  org_id: r.org_id,
  actor: r.actor,
  user_id: r.user_id,
  client_id: r.client_id,
  ip: r.ip,
  request_id: r.request_id,
  data: r.data,
});
const COLUMNS = ['id', 'at', 'type', 'outcome', 'org_id', 'actor', 'user_id', 'client_id', 'ip', 'request_id', 'data'] as const;

type Filter = Omit<AuditQuery, 'limit' | 'before' | 'orgId'>;
const filterOf = (input: { user?: string; type?: string; from?: string; to?: string }): Filter => ({
  userId: input.user,
  type: input.type,
  from: input.from ? new Date(input.from) : undefined,
  to: input.to ? new Date(input.to) : undefined,
});

export function createAdminAuditLog(store: AdminStore) {
  return {
    async list(orgId: string | undefined, input: z.output<typeof auditFilterInput>) {
      const rows = await store.auditPage({ ...filterOf(input), orgId, before: input.cursor, limit: input.limit });
      const page = rows.slice(0, input.limit);
      return { items: page.map(view), next: rows.length > input.limit ? String(page[page.length - 1].id) : null };
    },

    /** A stream of the selection as CSV (header row first) or JSON lines. */
    export(orgId: string | undefined, input: z.output<typeof auditExportInput>): Readable {
      const batches = store.auditBatches({ ...filterOf(input), orgId });
      async function* lines() {
        for await (const batch of batches) yield batch.map((r) => `${JSON.stringify(view(r))}\n`).join('');
      }
      if (input.format === 'jsonl') return Readable.from(lines());
      async function* records() {
        for await (const batch of batches)
          for (const r of batch) yield COLUMNS.map((c) => (c === 'data' ? JSON.stringify(r.data) : view(r)[c]));
      }
      // escape_formulas: a cell starting with = + - @ is prefixed, so a spreadsheet never runs an attacker's text.
      return Readable.from(records()).pipe(stringify({ header: true, columns: [...COLUMNS], escape_formulas: true }));
    },
  };
}

export type AdminAuditLog = ReturnType<typeof createAdminAuditLog>;
