/**
 * The admin center's people page (over admin/users.ts, the use-cases the API calls):
 *   GET  /admin/people                      people (search, pages) and the invitation form
 *   POST /admin/people/invite               invite by email (name, role): an invited account, the activation mail
 *   POST /admin/people/:id/disable | enable | force-reset | reset-factors | delete
 * A refusal the administrator can act on (an address that already has an account, a malformed
 * address, a person who also belongs to another organization: only an operator may change them)
 * shows the page again with the reason and its status.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { form, text } from '../../http/input.js';
import { guard } from '../../http/guard.js';
import { pathParams } from '../../http/route-fields.js';
import { badRequest } from '../../lib/errors.js';
import type { AdminUseCases } from '../api/routes.js';
import { inviteInput } from '../users.js';
import type { Admin, AdminPages } from './page.js';

const REFUSALS = ['account_exists', 'invalid_email', 'member_elsewhere'];
const listQuery = z.object({ q: z.string().max(100).optional(), cursor: z.string().max(400).optional() });
const peopleQuery = guard({ query: listQuery });
const inviteForm = guard({ query: listQuery, body: form({ email: text, name: text, role: text }) });
const byId = guard({ query: listQuery, params: pathParams('id') });
const ACTIONS = ['disable', 'enable', 'force-reset', 'reset-factors', 'delete'] as const;
const DONE = {
  disable: 'disabled',
  enable: 'enabled',
  'force-reset': 'force_reset',
  'reset-factors': 'factors_reset',
  delete: 'deleted',
} as const;

export function peoplePages(router: Router, d: { pages: AdminPages; useCases: AdminUseCases }) {
  const { enter, enterPost, page, back, notice } = d.pages;
  const users = d.useCases.users;

  const listPage = async (ctx: Context, a: Admin, extra: Record<string, unknown> = {}, status = 200) => {
    const q = peopleQuery.input(ctx).query;
    const list = await users.list(a.org.id, { q: q.q || undefined, cursor: q.cursor, limit: 50 });
    page(ctx, a, 'people', { ...list, search: q.q ?? '', notice: notice(ctx), me: a.who.user.id, invite: {}, ...extra }, status);
  };

  router.get('/people', peopleQuery, async (ctx) => {
    const a = await enter(ctx);
    if (a) await listPage(ctx, a);
  });

  router.post('/people/invite', inviteForm, async (ctx) => {
    const a = await enterPost(ctx);
    const b = inviteForm.input(ctx).body;
    const typed = { email: b.email.trim(), name: b.name.trim(), role: b.role };
    const input = inviteInput.safeParse({
      email: typed.email,
      name: typed.name || undefined,
      role: typed.role || undefined,
      language: ctx.state.lang,
    });
    const ok = await d.pages.attempt(
      ctx,
      REFUSALS,
      'admin.people_error_',
      async () => {
        if (!input.success) throw badRequest('invalid_email', 'an email address, and a role of member, admin or support');
        await users.invite(ctx, a.org.id, input.data);
      },
      (error, status) => listPage(ctx, a, { invite: { ...typed, error } }, status),
    );
    if (ok) back(ctx, a, '/people', 'invited');
  });

  for (const action of ACTIONS)
    router.post(`/people/:id/${action}`, byId, async (ctx) => {
      const a = await enterPost(ctx);
      const { id } = byId.input(ctx).params;
      const ok = await d.pages.attempt(
        ctx,
        REFUSALS,
        'admin.people_error_',
        async () => {
          if (action === 'force-reset') await users.forcePasswordReset(ctx, a.actor, a.org.id, id);
          else if (action === 'reset-factors') await users.resetFactors(ctx, a.actor, a.org.id, id);
          else if (action === 'delete') await users.remove(ctx, a.actor, a.org.id, id);
          else await users[action](ctx, a.actor, a.org.id, id);
        },
        (error, status) => listPage(ctx, a, { error }, status),
      );
      if (ok) back(ctx, a, '/people', DONE[action]);
    });
}
