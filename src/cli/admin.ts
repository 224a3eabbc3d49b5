/**
 * The admin use-cases for CLI commands (admin/core.ts, the same functions the admin API and the
 * admin center call). The CLI acts as an operator (every organization); its audit events name
 * `cli` as the actor and carry `via: cli`. Commands only parse their arguments, call, and print.
 */
import type { Audit } from '../audit/index.js';
import { createAdminCore } from '../admin/core.js';
import type { Actor } from '../admin/actor.js';
import type { Context } from './context.js';

export const CLI_ACTOR: Actor = { who: 'cli', operator: true, canWrite: true };

function cliAudit(audit: Audit): Audit {
  const mark = (e: Parameters<Audit['record']>[1]) => ({ ...e, actor: e.actor ?? 'cli', data: { ...e.data, via: 'cli' } });
  return {
    ...audit,
    record: (ctx, event) => audit.record(ctx, mark(event)),
    recordMany: (ctx, events) => audit.recordMany(ctx, events.map(mark)),
  };
}

export const adminOf = (ctx: Context) => createAdminCore(ctx.services, { audit: cliAudit(ctx.services.audit), via: 'cli' });
