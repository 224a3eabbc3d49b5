/**
 * `support limit`, `support list`: ad hoc support per organization — its cap on open sessions (5
 * unless it sets its own) and the sessions open now (pending a code or active until their end).
 */
import { createSupportStore } from '../../support/store.js';
import { orgBySlug, required, str, UsageError, type Command } from '../context.js';
import { table, when } from '../format.js';

export const supportCommands: Command[] = [
  {
    name: 'support limit',
    args: '--org <org-slug> (--max <1-1000> | --clear)',
    summary: "set an organization's cap on open ad hoc support sessions, or go back to the default",
    options: { org: { type: 'string' }, max: { type: 'string' }, clear: { type: 'boolean' } },
    async run(ctx, v) {
      const org = await orgBySlug(ctx, required(v, 'org'));
      const max = str(v, 'max');
      if (!v.clear && (max === undefined || !/^\d{1,4}$/.test(max) || Number(max) < 1 || Number(max) > 1000))
        throw new UsageError('give --max <1-1000>, or --clear for the default');
      const limit = v.clear ? null : Number(max);
      await createSupportStore(ctx.services.db).setOrgLimit(org.id, limit);
      await ctx.audit('admin.support_limit_set', {}, { org: org.slug, limit });
      ctx.out(
        limit === null
          ? `${org.slug}: ad hoc support limit back to the default (${ctx.config.support.orgLimit})`
          : `${org.slug}: at most ${limit} open ad hoc support sessions`,
      );
    },
  },
  {
    name: 'support list',
    args: '--org <org-slug>',
    summary: "list an organization's open ad hoc support sessions",
    options: { org: { type: 'string' } },
    async run(ctx, v) {
      const org = await orgBySlug(ctx, required(v, 'org'));
      const rows = await createSupportStore(ctx.services.db).openOfOrg(org.id, new Date());
      if (!rows.length) return ctx.out('no open ad hoc support sessions');
      ctx.out(
        ...table(
          ['id', 'customer', 'technician', 'status', 'ends'],
          rows.map((r) => [r.id, r.customer_email, r.technician_email, r.status, when(r.ends_at)]),
        ),
      );
    },
  },
];
