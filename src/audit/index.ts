/**
 * Security events: written to the audit log table and to the JSON log. Event data must never hold a
 * secret (passwords, codes, tokens); callers pass identifiers only.
 */
import type { Context } from 'koa';
import type { Logger } from '../lib/log.js';
import type { AuditStore } from './store.js';

export interface AuditEvent {
  type: string;
  outcome: 'success' | 'failure' | 'info';
  userId?: string | null;
  clientId?: string | null;
  data?: Record<string, unknown>;
}

export function createAudit(store: AuditStore, log: Logger) {
  return {
    async record(ctx: Context | undefined, event: AuditEvent) {
      const row = {
        type: event.type, outcome: event.outcome, user_id: event.userId ?? null, client_id: event.clientId ?? null,
        ip: ctx?.ip ?? null, user_agent: ctx?.get('user-agent')?.slice(0, 300) || null,
        request_id: (ctx?.state.requestId as string) ?? null, data: event.data ?? {},
      };
      (ctx?.state.log ?? log).info({ security_event: event.type, outcome: event.outcome, userId: row.user_id, clientId: row.client_id, data: row.data }, 'security event');
      try {
        await store.insert(row);
      } catch (err) {
        log.error({ err, security_event: event.type }, 'could not write audit event');
      }
    },
    recent: store.recent,
  };
}
export type Audit = ReturnType<typeof createAudit>;
