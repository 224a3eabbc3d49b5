/**
 * SQL for an organization's groups as administrators see them (groups, group_members, and whether
 * SCIM manages the group: a scim_groups row). Rules: every statement names the organization, so a
 * group of another organization is never read or changed; members are people of the organization
 * who are not deleted; a rename carries the two-step policy's group names along in the same
 * transaction (a rename must not silently drop people out of two-step verification).
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../db/index.js';

export interface GroupRow {
  id: string;
  name: string;
  members: number;
  managed_by_scim: boolean;
}

const isUnique = (err: unknown) => (err as { code?: string })?.code === '23505';

export function createGroupStore(db: Db) {
  const groups = (orgId: string) =>
    db
      .selectFrom('groups')
      .leftJoin('scim_groups', 'scim_groups.group_id', 'groups.id')
      .select((eb) => [
        'groups.id',
        'groups.name',
        sql<boolean>`scim_groups.group_id is not null`.as('managed_by_scim'),
        eb
          .selectFrom('group_members')
          .innerJoin('users', 'users.id', 'group_members.user_id')
          .select((e) => e.fn.countAll<string>().as('n'))
          .whereRef('group_members.group_id', '=', 'groups.id')
          .where('users.deleted_at', 'is', null)
          .as('members'),
      ])
      .where('groups.org_id', '=', orgId);
  const row = (r: { id: string; name: string; managed_by_scim: boolean; members: string | number | null }): GroupRow => ({
    id: r.id,
    name: r.name,
    managed_by_scim: !!r.managed_by_scim,
    members: Number(r.members ?? 0),
  });

  return {
    /** A page by name (keyset: names are unique per organization). */
    async page(orgId: string, after: string | undefined, limit: number) {
      let q = groups(orgId)
        .orderBy('groups.name')
        .limit(limit + 1);
      if (after) q = q.where('groups.name', '>', after);
      return (await q.execute()).map(row);
    },
    async find(orgId: string, id: string) {
      const r = await groups(orgId).where('groups.id', '=', id).executeTakeFirst();
      return r ? row(r) : undefined;
    },
    async findByName(orgId: string, name: string) {
      const r = await groups(orgId).where('groups.name', '=', name).executeTakeFirst();
      return r ? row(r) : undefined;
    },
    /** undefined when the organization already has a group of that name. */
    async create(orgId: string, name: string): Promise<GroupRow | undefined> {
      try {
        const r = await db
          .insertInto('groups')
          .values({ id: randomUUID(), org_id: orgId, name })
          .returning(['id', 'name'])
          .executeTakeFirstOrThrow();
        return { ...r, members: 0, managed_by_scim: false };
      } catch (err) {
        if (isUnique(err)) return undefined;
        throw err;
      }
    },
    /** false when another group has the name. The two-step policy's group names follow the rename. */
    async rename(orgId: string, id: string, from: string, to: string): Promise<boolean> {
      try {
        await db.transaction().execute(async (trx) => {
          await trx.updateTable('groups').set({ name: to }).where('org_id', '=', orgId).where('id', '=', id).execute();
          await trx
            .updateTable('mfa_policies')
            .set({
              group_names: sql`(select coalesce(jsonb_agg(case when n = ${from} then ${to} else n end), '[]'::jsonb) from jsonb_array_elements_text(group_names) as n)`,
              updated_at: new Date(),
            })
            .where('org_id', '=', orgId)
            .where(sql<boolean>`group_names ? ${from}`)
            .execute();
        });
        return true;
      } catch (err) {
        if (isUnique(err)) return false;
        throw err;
      }
    },
    async remove(orgId: string, id: string) {
      await db.deleteFrom('groups').where('org_id', '=', orgId).where('id', '=', id).execute();
    },
    /** Whether the organization's two-step policy names the group. */
    async namedByPolicy(orgId: string, name: string) {
      const r = await db
        .selectFrom('mfa_policies')
        .select('org_id')
        .where('org_id', '=', orgId)
        .where('required', '=', 'groups')
        .where(sql<boolean>`group_names ? ${name}`)
        .executeTakeFirst();
      return !!r;
    },

    /** Marks the two-step policy changed now: sessions of its members meet it again at their next use (login/session-policy.ts). */
    async touchPolicy(orgId: string) {
      await db.updateTable('mfa_policies').set({ updated_at: new Date() }).where('org_id', '=', orgId).execute();
    },

    /** Members by email (keyset on email_norm); deleted people are not members. */
    membersPage: (groupId: string, after: string | undefined, limit: number) => {
      let q = db
        .selectFrom('group_members')
        .innerJoin('users', 'users.id', 'group_members.user_id')
        .select(['users.id', 'users.email', 'users.email_norm', 'users.name', 'users.status'])
        .where('group_members.group_id', '=', groupId)
        .where('users.deleted_at', 'is', null)
        .orderBy('users.email_norm')
        .limit(limit + 1);
      if (after) q = q.where('users.email_norm', '>', after);
      return q.execute();
    },
    /** true when the person was not a member before. */
    async addMember(groupId: string, userId: string) {
      const r = await db
        .insertInto('group_members')
        .values({ group_id: groupId, user_id: userId })
        .onConflict((oc) => oc.columns(['group_id', 'user_id']).doNothing())
        .returning('user_id')
        .executeTakeFirst();
      return !!r;
    },
    /** true when the person was a member. */
    async removeMember(groupId: string, userId: string) {
      const r = await db
        .deleteFrom('group_members')
        .where('group_id', '=', groupId)
        .where('user_id', '=', userId)
        .returning('user_id')
        .executeTakeFirst();
      return !!r;
    },
  };
}
export type AdminGroupStore = ReturnType<typeof createGroupStore>;
