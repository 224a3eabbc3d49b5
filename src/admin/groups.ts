/**
 * An organization's groups and their members, for its administrators (API, admin center). Rules:
 * - a group of another organization, and a person who is not (or no longer: deleted) a member of
 *   this organization, is not found (404);
 * - a group provisioned by SCIM belongs to the company's IdP: it is listed, but renaming, deleting
 *   and changing its members here is refused (409 `managed_by_scim`), or the next sync would undo it;
 * - names are unique in an organization (409 `group_exists`); a group the two-step policy names
 *   cannot be deleted (409 `group_in_policy`) and a rename carries the policy along; someone added
 *   to such a group meets the policy from their next authorization on (open sessions included);
 * - every change is an audit event with the organization, the actor, the target and before/after.
 */
import type { Context } from 'koa';
import { z } from 'zod';
import type { Audit } from '../audit/index.js';
import { AppError, notFound } from '../lib/errors.js';
import type { AdminGroupStore, GroupRow } from './group-store.js';
import type { AdminStore } from './store.js';

const name = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .refine((s) => ![...s].some((c) => c.charCodeAt(0) < 32 || c.charCodeAt(0) === 127), 'no control characters');
export const groupInput = z.strictObject({ name });
export const groupListInput = z.strictObject({
  cursor: z.string().max(400).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export const memberInput = z.strictObject({ user_id: z.string().min(1).max(100) });
export const groupView = z.object({ id: z.string(), name: z.string(), members: z.number(), managed_by_scim: z.boolean() });
export const memberView = z.object({ id: z.string(), email: z.string(), name: z.string().nullable(), status: z.string() });

export function createAdminGroups(d: { groups: AdminGroupStore; store: AdminStore; audit: Audit }) {
  const record = (ctx: Context | undefined, orgId: string, type: string, data: Record<string, unknown>, userId?: string) =>
    d.audit.record(ctx, { type, outcome: 'success', orgId, userId, data: { orgId, ...data } });

  async function group(orgId: string, id: string) {
    const g = id.length <= 100 ? await d.groups.find(orgId, id) : undefined;
    if (!g) throw notFound('not_found', 'no such group in this organization');
    return g;
  }
  async function editable(orgId: string, id: string) {
    const g = await group(orgId, id);
    if (g.managed_by_scim)
      throw new AppError('managed_by_scim', 409, "this group is provisioned by the company's IdP over SCIM: change it there");
    return g;
  }
  async function person(orgId: string, userId: string) {
    const u = userId.length <= 100 ? await d.store.userOfOrg(orgId, userId) : undefined;
    if (!u) throw notFound('not_found', 'no such person in this organization');
    return u;
  }
  const exists = () => new AppError('group_exists', 409, 'the organization already has a group of this name');

  return {
    async list(orgId: string, input: z.output<typeof groupListInput>) {
      const rows = await d.groups.page(orgId, input.cursor, input.limit);
      const page = rows.slice(0, input.limit);
      return { items: page, next: rows.length > input.limit ? page[page.length - 1].name : null };
    },
    get: (orgId: string, id: string) => group(orgId, id),
    /** The group of that name, created when there is none (the CLI names groups by name). */
    async ensure(ctx: Context | undefined, orgId: string, input: z.output<typeof groupInput>) {
      const found = await d.groups.findByName(orgId, input.name);
      if (found) return found;
      try {
        return await this.create(ctx, orgId, input);
      } catch (err) {
        // Created in parallel: the group exists now.
        if (err instanceof AppError && err.code === 'group_exists') return (await d.groups.findByName(orgId, input.name))!;
        throw err;
      }
    },

    async create(ctx: Context | undefined, orgId: string, input: z.output<typeof groupInput>): Promise<GroupRow> {
      const g = await d.groups.create(orgId, input.name);
      if (!g) throw exists();
      await record(ctx, orgId, 'admin.group_created', { target: g.id, after: { name: g.name } });
      return g;
    },
    async rename(ctx: Context | undefined, orgId: string, id: string, input: z.output<typeof groupInput>) {
      const g = await editable(orgId, id);
      if (g.name === input.name) return g;
      if (!(await d.groups.rename(orgId, id, g.name, input.name))) throw exists();
      await record(ctx, orgId, 'admin.group_renamed', { target: id, before: { name: g.name }, after: { name: input.name } });
      return { ...g, name: input.name };
    },
    async remove(ctx: Context | undefined, orgId: string, id: string) {
      const g = await editable(orgId, id);
      if (await d.groups.namedByPolicy(orgId, g.name))
        throw new AppError('group_in_policy', 409, 'the two-step verification policy names this group: change the policy first');
      await d.groups.remove(orgId, id);
      await record(ctx, orgId, 'admin.group_deleted', { target: id, before: { name: g.name, members: g.members } });
    },

    async members(orgId: string, id: string, input: z.output<typeof groupListInput>) {
      await group(orgId, id);
      const rows = await d.groups.membersPage(id, input.cursor, input.limit);
      const page = rows.slice(0, input.limit);
      return {
        items: page.map((u) => ({ id: u.id, email: u.email, name: u.name, status: u.status })),
        next: rows.length > input.limit ? page[page.length - 1].email_norm : null,
      };
    },
    async addMember(ctx: Context | undefined, orgId: string, id: string, input: z.output<typeof memberInput>) {
      const g = await editable(orgId, id);
      const u = await person(orgId, input.user_id);
      const added = await d.groups.addMember(id, u.id);
      // Now covered by two-step verification: open sessions are checked against the policy again.
      if (added && (await d.groups.namedByPolicy(orgId, g.name))) await d.groups.touchPolicy(orgId);
      if (added)
        await record(
          ctx,
          orgId,
          'admin.group_member_added',
          { target: id, member: u.id, before: { member: false }, after: { member: true } },
          u.id,
        );
      return { ...g, members: (await group(orgId, id)).members };
    },
    async removeMember(ctx: Context | undefined, orgId: string, id: string, userId: string) {
      await editable(orgId, id);
      const u = await person(orgId, userId);
      if (await d.groups.removeMember(id, u.id))
        await record(
          ctx,
          orgId,
          'admin.group_member_removed',
          { target: id, member: u.id, before: { member: true }, after: { member: false } },
          u.id,
        );
    },
  };
}
export type AdminGroups = ReturnType<typeof createAdminGroups>;
