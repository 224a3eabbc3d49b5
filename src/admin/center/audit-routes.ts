/**
 * The admin center's audit log (over admin/audit-log.ts, the use-cases the API calls):
 *   GET  /admin/audit                       the organization's events, newest first, by pages; filters:
 *                                           type, person (an email address of the organization), from / to (days, UTC)
 *   GET  /admin/audit/export?format=csv|jsonl  the same selection as a file, streamed (as the API's export)
 * Days are whole UTC days: `to` includes its day. A person filter naming nobody of the organization, or
 * a malformed day, shows the page again with the reason (400), never every event.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { guard } from '../../http/guard.js';
import { badRequest } from '../../lib/errors.js';
import type { AdminUseCases } from '../api/routes.js';
import type { Admin, AdminPages } from './page.js';

const day = z.union([z.literal(''), z.iso.date()]).optional();
const filters = z.object({
  type: z.string().max(100).optional(),
  person: z.string().max(254).optional(),
  from: day,
  to: day,
});
const listGuard = guard({
  query: filters.extend({
    cursor: z
      .string()
      .regex(/^\d{1,19}$/)
      .optional(),
  }),
});
const exportGuard = guard({ query: filters.extend({ format: z.enum(['csv', 'jsonl']).default('csv') }) });
type Filters = z.output<typeof filters>;

const nextDay = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString();

export function auditPages(router: Router, d: { pages: AdminPages; useCases: AdminUseCases }) {
  const { enter, page } = d.pages;

  /** The filters as the use-case takes them; a person is looked up among the organization's people. */
  async function selection(a: Admin, f: Filters) {
    const email = f.person?.trim().toLowerCase();
    let user: string | undefined;
    if (email) {
      const found = (await d.useCases.users.list(a.org.id, { q: email, limit: 20 })).items.find((u) => u.email.toLowerCase() === email);
      if (!found) throw badRequest('no_person', 'nobody in the organization has this address');
      user = found.id;
    }
    if (f.from && f.to && f.from > f.to) throw badRequest('bad_range', 'from is after to');
    return {
      type: f.type?.trim() || undefined,
      user,
      from: f.from ? `${f.from}T00:00:00Z` : undefined,
      to: f.to ? nextDay(f.to) : undefined,
    };
  }

  /** The query string of the current filters (for the next page and the export links). */
  const keep = (f: Filters) =>
    Object.entries({ type: f.type, person: f.person, from: f.from, to: f.to })
      .filter(([, v]) => v)
      .map(([k, v]) => `&${k}=${encodeURIComponent(String(v))}`)
      .join('');

  /** Runs `show` with the use-case's selection; a refusal shows the page with the reason instead. */
  const shownOf = (f: Filters) => ({ type: f.type ?? '', person: f.person ?? '', from: f.from ?? '', to: f.to ?? '', keep: keep(f) });

  async function withSelection(ctx: Context, a: Admin, f: Filters, show: (sel: Awaited<ReturnType<typeof selection>>) => Promise<void>) {
    await d.pages.attempt(
      ctx,
      ['no_person', 'bad_range'],
      'admin.audit_error_',
      async () => show(await selection(a, f)),
      async (error, status) => page(ctx, a, 'audit', { items: [], next: null, ...shownOf(f), error }, status),
    );
  }

  router.get('/audit', listGuard, async (ctx: Context) => {
    const a = await enter(ctx);
    if (!a) return;
    const q = listGuard.input(ctx).query;
    await withSelection(ctx, a, q, async (sel) => {
      const list = await d.useCases.audit.list(a.org.id, { ...sel, cursor: q.cursor, limit: 50 });
      page(ctx, a, 'audit', { ...list, ...shownOf(q) });
    });
  });

  router.get('/audit/export', exportGuard, async (ctx: Context) => {
    const a = await enter(ctx);
    if (!a) return;
    const q = exportGuard.input(ctx).query;
    await withSelection(ctx, a, q, async (sel) => {
      ctx.type = q.format === 'jsonl' ? 'application/x-ndjson' : 'text/csv; charset=utf-8';
      ctx.attachment(`audit-events-${a.org.slug}.${q.format}`);
      ctx.body = d.useCases.audit.export(a.org.id, { ...sel, format: q.format });
    });
  });
}
