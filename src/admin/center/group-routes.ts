/**
 * The admin center's groups pages (over admin/groups.ts, the use-cases the API calls):
 *   GET  /admin/groups                      groups (name, members, managed by SCIM); POST /admin/groups creates one
 *   GET  /admin/groups/:id                  one group: its members; POST …/rename, …/delete, …/members (by email),
 *                                           …/members/:userId/remove
 * A refusal (name taken, a group SCIM manages, nobody of the organization with that address) shows
 * the page again with the reason; a group of another organization is a 404 page.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { form, text } from '../../http/input.js';
import { guard } from '../../http/guard.js';
import { pathParams } from '../../http/route-fields.js';
import { AppError } from '../../lib/errors.js';
import type { AdminUseCases } from '../api/routes.js';
import type { Admin, AdminPages } from './page.js';

const REFUSALS = ['group_exists', 'managed_by_scim', 'group_in_policy', 'not_found', 'invalid_input'];
const cursorQuery = z.object({ cursor: z.string().max(400).optional() });
const listGuard = guard({ query: cursorQuery });
const nameForm = guard({ query: cursorQuery, body: form({ name: text }) });
const groupPath = pathParams('id');
const groupGuard = guard({ query: cursorQuery, params: groupPath });
const renameForm = guard({ query: cursorQuery, params: groupPath, body: form({ name: text }) });
const memberForm = guard({ query: cursorQuery, params: groupPath, body: form({ email: text }) });
const memberGuard = guard({ query: cursorQuery, params: pathParams('id', 'userId') });

export function groupPages(router: Router, d: { pages: AdminPages; useCases: AdminUseCases }) {
  const { enter, enterPost, page, back, notice } = d.pages;
  const groups = d.useCases.groups;

  const listPage = async (ctx: Context, a: Admin, extra: Record<string, unknown> = {}, status = 200) => {
    const q = listGuard.input(ctx).query;
    page(ctx, a, 'groups', { ...(await groups.list(a.org.id, { cursor: q.cursor, limit: 50 })), notice: notice(ctx), ...extra }, status);
  };
  const groupPage = async (ctx: Context, a: Admin, id: string, extra: Record<string, unknown> = {}, status = 200) => {
    const q = listGuard.input(ctx).query;
    const group = await groups.get(a.org.id, id);
    const members = await groups.members(a.org.id, id, { cursor: q.cursor, limit: 50 });
    page(ctx, a, 'groups', { group, members, notice: notice(ctx), ...extra }, status, 'admin-group');
  };
  const attempt = (ctx: Context, change: () => Promise<unknown>, again: (error: string, status: number) => Promise<void>) =>
    d.pages.attempt(ctx, REFUSALS, 'admin.group_error_', change, again);

  router.get('/groups', listGuard, async (ctx) => {
    const a = await enter(ctx);
    if (a) await listPage(ctx, a);
  });

  router.post('/groups', nameForm, async (ctx) => {
    const a = await enterPost(ctx);
    const { name } = nameForm.input(ctx).body;
    const input = { name: name.trim() };
    let id = '';
    const ok = await attempt(
      ctx,
      async () => {
        if (!input.name || input.name.length > 200) throw new AppError('invalid_input', 400, 'a name of 1 to 200 characters');
        id = (await groups.create(ctx, a.org.id, input)).id;
      },
      (error, status) => listPage(ctx, a, { error, nameValue: name }, status),
    );
    if (ok) back(ctx, a, `/groups/${encodeURIComponent(id)}`, 'group_created');
  });

  router.get('/groups/:id', groupGuard, async (ctx) => {
    const a = await enter(ctx);
    if (a) await groupPage(ctx, a, groupGuard.input(ctx).params.id);
  });

  router.post('/groups/:id/rename', renameForm, async (ctx) => {
    const a = await enterPost(ctx);
    const { body, params } = renameForm.input(ctx);
    const { name } = body;
    const id = params.id;
    const ok = await attempt(
      ctx,
      async () => {
        if (!name.trim() || name.trim().length > 200) throw new AppError('invalid_input', 400, 'a name of 1 to 200 characters');
        await groups.rename(ctx, a.org.id, id, { name: name.trim() });
      },
      (error, status) => groupPage(ctx, a, id, { renameError: error, nameValue: name }, status),
    );
    if (ok) back(ctx, a, `/groups/${encodeURIComponent(id)}`, 'group_renamed');
  });

  router.post('/groups/:id/delete', groupGuard, async (ctx) => {
    const a = await enterPost(ctx);
    const id = groupGuard.input(ctx).params.id;
    const ok = await attempt(
      ctx,
      () => groups.remove(ctx, a.org.id, id),
      (error, status) => groupPage(ctx, a, id, { error }, status),
    );
    if (ok) back(ctx, a, '/groups', 'group_deleted');
  });

  router.post('/groups/:id/members', memberForm, async (ctx) => {
    const a = await enterPost(ctx);
    const { body, params } = memberForm.input(ctx);
    const { email } = body;
    const id = params.id;
    const ok = await attempt(
      ctx,
      async () => {
        const wanted = email.trim().toLowerCase();
        const found = wanted
          ? (await d.useCases.users.list(a.org.id, { q: wanted, limit: 5 })).items.find((u) => u.email.toLowerCase() === wanted)
          : undefined;
        if (!found) throw new AppError('not_found', 404, 'no such person in this organization');
        await groups.addMember(ctx, a.org.id, id, { user_id: found.id });
      },
      (error, status) => groupPage(ctx, a, id, { memberError: error, emailValue: email }, status),
    );
    if (ok) back(ctx, a, `/groups/${encodeURIComponent(id)}`, 'member_added');
  });

  router.post('/groups/:id/members/:userId/remove', memberGuard, async (ctx) => {
    const a = await enterPost(ctx);
    const { id, userId } = memberGuard.input(ctx).params;
    const ok = await attempt(
      ctx,
      () => groups.removeMember(ctx, a.org.id, id, userId),
      (error, status) => groupPage(ctx, a, id, { error }, status),
    );
    if (ok) back(ctx, a, `/groups/${encodeURIComponent(id)}`, 'member_removed');
  });
}
