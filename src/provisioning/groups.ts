/**
 * Provisioning groups (SCIM Groups onto Wayfinder groups: two-step verification policy and app
 * access by group then follow the IdP). Rules:
 * - a group belongs to the caller's organization; displayName and externalId are unique in it (409);
 * - members are people provisioned in the same organization (anyone else is a 400 `invalidValue`);
 *   adding a member twice, or removing one who is not there, is not an error;
 * - PATCH as the IdPs send it: `members` add / remove (with a value list, or none: all) / replace,
 *   `members[value eq "…"]` (or several `eq` joined by `or`) removes, path-less objects set
 *   displayName, externalId and members;
 * - member changes are set operations in SQL: a large group is never loaded to change one member;
 * - every change is audited (`scim.group_*`).
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'koa';
import { z } from 'zod';
import type { Audit } from '../audit/index.js';
import { invalidFilter, invalidPath, invalidValue, mutability, noTarget, notFound, preconditionFailed } from './errors.js';
import { CORE_GROUP, normalizeAttr, type Filter } from './filter.js';
import type { GroupStore, MemberChange, ScimGroupRow } from './group-store.js';
import { parsePath, type PatchOperation } from './patch.js';
import { listParams, listResponse, project } from './representation.js';
import { etagOf } from './user-resource.js';
import { matchesVersion, type Actor, type ListQuery } from './users.js';

const member = z.union([
  z.object({ value: z.string().min(1).max(256) }).loose(),
  z
    .string()
    .min(1)
    .max(256)
    .transform((value) => ({ value })),
]);
const members = z.array(member).max(10_000);
const groupSchema = z.object({
  displayName: z.string().trim().min(1).max(256),
  externalId: z.string().max(256).nullish(),
  members: members.nullish(),
});

function parse<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw invalidValue(`${issue.path.join('.') || 'the resource'}: ${issue.message}`);
}

/** The member ids a `members[...]` filter names: `value eq "x"`, possibly several joined by `or`. */
function memberIds(f: Filter): string[] {
  if (f.op === 'or') return f.filters.flatMap(memberIds);
  if (f.op === 'eq' && f.attrPath === 'value' && f.compValue !== null) return [String(f.compValue)];
  throw invalidFilter('a members filter can only name members: value eq "…" (joined with or)');
}

export interface GroupDeps {
  store: GroupStore;
  audit: Audit;
  baseUrl: string;
}

export function createProvisionedGroups(d: GroupDeps) {
  const audit = (
    ctx: Context | undefined,
    actor: Actor,
    type: string,
    orgId: string,
    groupId: string,
    data: Record<string, unknown> = {},
  ) =>
    d.audit.record(ctx, {
      type,
      outcome: 'success',
      data: { orgId, groupId, via: actor.via, tokenId: actor.tokenId, actorId: actor.userId, ...data },
    });

  async function resource(
    row: ScimGroupRow,
    q: ListQuery = {},
    known?: Array<{ group_id: string; user_id: string; display_name: string | null; user_name: string }>,
  ) {
    const wanted = q.attributes
      ? q.attributes.split(',').some((a) => normalizeAttr(a.trim()).startsWith('members'))
      : !(q.excludedAttributes ?? '').split(',').some((a) => normalizeAttr(a.trim()) === 'members');
    const list = wanted ? (known ?? (await d.store.membersOf([row.id]))).filter((m) => m.group_id === row.id) : [];
    return project(
      {
        schemas: [CORE_GROUP],
        id: row.id,
        displayName: row.name,
        ...(row.external_id ? { externalId: row.external_id } : {}),
        ...(wanted
          ? {
              members: list.map((m) => ({
                value: m.user_id,
                display: m.display_name ?? m.user_name,
                $ref: `${d.baseUrl}/Users/${m.user_id}`,
              })),
            }
          : {}),
        meta: {
          resourceType: 'Group',
          created: row.created_at.toISOString(),
          lastModified: row.updated_at.toISOString(),
          location: `${d.baseUrl}/Groups/${row.id}`,
          version: etagOf(row.version),
        },
      },
      q,
    );
  }

  async function checkMembers(orgId: string, ids: string[]) {
    const unique = [...new Set(ids)];
    const known = new Set(await d.store.provisionedAmong(orgId, unique));
    const unknown = unique.filter((id) => !known.has(id));
    if (unknown.length) throw invalidValue(`members: no provisioned user ${unknown.slice(0, 5).join(', ')}`);
    return unique;
  }

  async function load(orgId: string, id: string) {
    const row = await d.store.findGroup(orgId, String(id));
    if (!row) throw notFound(`no group ${id}`);
    return row;
  }

  async function update(
    ctx: Context | undefined,
    actor: Actor,
    orgId: string,
    id: string,
    set: { name?: string; external_id?: string | null },
    change: MemberChange,
    ifMatch?: string,
  ) {
    const row = await load(orgId, id);
    if (!matchesVersion(ifMatch, row.version)) throw preconditionFailed(`the group has changed (version ${etagOf(row.version)})`);
    if (change.add?.length) change.add = await checkMembers(orgId, change.add);
    const saved = await d.store.updateGroup(orgId, id, ifMatch ? row.version : undefined, set, change);
    if (!saved) throw preconditionFailed('the group changed while it was being updated; try again');
    await audit(ctx, actor, 'scim.group_updated', orgId, id, {
      renamed: set.name !== undefined && set.name !== row.name,
      added: change.add?.length ?? 0,
      removed: change.removeAll ? 'all' : (change.remove?.length ?? 0),
    });
    return saved;
  }

  return {
    async create(ctx: Context | undefined, actor: Actor, orgId: string, body: unknown) {
      const g = parse(groupSchema, body);
      const ids = await checkMembers(
        orgId,
        (g.members ?? []).map((m) => m.value),
      );
      const row = await d.store.createGroup(orgId, { id: randomUUID(), name: g.displayName, external_id: g.externalId ?? null }, ids);
      await audit(ctx, actor, 'scim.group_created', orgId, row.id, { members: ids.length });
      return resource(row);
    },

    get: async (orgId: string, id: string, q: ListQuery = {}) => resource(await load(orgId, id), q),

    async list(orgId: string, q: ListQuery) {
      const { start, params } = listParams(q);
      const { total, rows } = await d.store.listGroups(orgId, params);
      const wanted = !(q.excludedAttributes ?? '').toLowerCase().includes('members');
      const known = wanted ? await d.store.membersOf(rows.map((r) => r.id)) : [];
      return listResponse(await Promise.all(rows.map((r) => resource(r, q, known))), total, start);
    },

    async replace(ctx: Context | undefined, actor: Actor, orgId: string, id: string, body: unknown, ifMatch?: string) {
      const g = parse(groupSchema, body);
      const saved = await update(
        ctx,
        actor,
        orgId,
        id,
        { name: g.displayName, external_id: g.externalId ?? null },
        { removeAll: true, add: (g.members ?? []).map((m) => m.value) },
        ifMatch,
      );
      return resource(saved);
    },

    /** Applies a PATCH; returns the group's new version (the route answers 204, as Entra and Okta expect). */
    async patch(ctx: Context | undefined, actor: Actor, orgId: string, id: string, operations: PatchOperation[], ifMatch?: string) {
      const set: { name?: string; external_id?: string | null } = {};
      const change: Required<MemberChange> = { add: [], remove: [], removeAll: false };
      const setMembers = (op: PatchOperation['op'], value: unknown) => {
        const ids = value === undefined || value === null ? [] : parse(members, Array.isArray(value) ? value : [value]).map((m) => m.value);
        if (op === 'add') change.add.push(...ids);
        else if (op === 'replace') Object.assign(change, { removeAll: true, add: ids, remove: [] });
        else if (ids.length) change.remove.push(...ids);
        else Object.assign(change, { removeAll: true, add: [], remove: [] });
      };
      const setAttr = (op: PatchOperation['op'], attr: string, value: unknown) => {
        const name = attr.toLowerCase();
        if (name === 'members') return setMembers(op, value);
        if (name === 'displayname') {
          if (op === 'remove') throw mutability('displayName is required');
          set.name = parse(groupSchema.shape.displayName, value);
        } else if (name === 'externalid') {
          set.external_id = op === 'remove' ? null : parse(z.string().max(256), value);
        } else if (name === 'id' || name === 'meta' || name === 'schemas') {
          if (op !== 'replace' && op !== 'add') throw mutability(`${attr} is read-only`);
        } else {
          throw noTarget(`groups have no attribute ${attr}`);
        }
      };
      for (const o of operations) {
        if (!o.path) {
          if (!o.value || typeof o.value !== 'object' || Array.isArray(o.value))
            throw noTarget(`${o.op} without a path needs an object of attributes`);
          for (const [k, v] of Object.entries(o.value)) setAttr(o.op, normalizeAttr(k), v);
          continue;
        }
        const p = parsePath(o.path);
        if (p.filter) {
          if (p.attr !== 'members' || p.sub) throw invalidPath(`the path ${o.path} is not supported for groups`);
          const ids = memberIds(p.filter);
          if (o.op === 'remove') change.remove.push(...ids);
          else throw invalidPath(`${o.op} with a members filter is not supported: add members with path "members"`);
          continue;
        }
        if (p.sub) throw invalidPath(`the path ${o.path} is not supported for groups`);
        if (o.op !== 'remove' && o.value === undefined) throw invalidValue(`${o.op} ${o.path} needs a value`);
        setAttr(o.op, p.attr, o.value);
      }
      const saved = await update(ctx, actor, orgId, id, set, change, ifMatch);
      return saved.version;
    },

    async remove(ctx: Context | undefined, actor: Actor, orgId: string, id: string) {
      if (!(await d.store.deleteGroup(orgId, String(id)))) throw notFound(`no group ${id}`);
      await audit(ctx, actor, 'scim.group_deleted', orgId, id);
    },
  };
}
export type ProvisionedGroups = ReturnType<typeof createProvisionedGroups>;
