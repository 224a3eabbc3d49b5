/**
 * Security events: written to the audit log table and to the JSON log. Event data must never hold a
 * secret (passwords, codes, tokens); callers pass identifiers only.
 */
import type { Context } from 'koa';
import type { Logger } from '../lib/log.js';
import type { AuditRow, AuditStore } from './store.js';

export interface AuditEvent {
  type: string;
  outcome: 'success' | 'failure' | 'info';
  userId?: string | null;
  clientId?: string | null;
  data?: Record<string, unknown>;
  /** The organization concerned; defaults to `data.orgId` when that is a string. */
  orgId?: string | null;
  /** Who acted (`user:<id>`, `client:<id>`, `cli`); defaults to the admin API caller of the request. */
  actor?: string | null;
}

export type { AuditRow };

export function createAudit(store: AuditStore, log: Logger) {
  /** The row for an event, logged to the JSON log as it is built. */
  function rowOf(ctx: Context | undefined, event: AuditEvent): AuditRow {
    const row = {
      type: event.type,
      outcome: event.outcome,
      user_id: event.userId ?? null,
      client_id: event.clientId ?? null,
      ip: ctx?.ip ?? null,
      user_agent: ctx?.get('user-agent')?.slice(0, 300) || null,
      request_id: (ctx?.state.requestId as string) ?? null,
      data: event.data ?? {},
      org_id: event.orgId ?? (typeof event.data?.orgId === 'string' ? event.data.orgId : null),
      actor: event.actor ?? (ctx?.state.adminActor as string | undefined) ?? null,
    };
    (ctx?.state.log ?? log).info(
      { security_event: event.type, outcome: event.outcome, userId: row.user_id, clientId: row.client_id, data: row.data },
      'security event',
    );
    return row;
  }

  /**
   * Writes the events in order, in one statement. A failed write is logged, never thrown: the sign-in goes on.
   * `write`: a statement of the caller's that inserts these rows along with its own change (login/store.ts
   * endJourney), in place of the plain insert.
   */
  async function recordMany(ctx: Context | undefined, events: AuditEvent[], write: (rows: AuditRow[]) => Promise<void> = store.insert) {
    if (!events.length) return;
    const rows = events.map((e) => rowOf(ctx, e));
    try {
      await write(rows);
    } catch (err) {
      log.error({ err, security_event: events.map((e) => e.type).join(',') }, 'could not write audit event');
    }
  }

  return {
    recordMany,
    record: (ctx: Context | undefined, event: AuditEvent) => recordMany(ctx, [event]),
    recent: store.recent,
  };
}
export type Audit = ReturnType<typeof createAudit>;
