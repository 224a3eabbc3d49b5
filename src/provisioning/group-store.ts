/**
 * SQL for SCIM groups: Wayfinder groups (groups, group_members) of one organization with their SCIM
 * record (externalId, version). Members are people provisioned in the same organization; member
 * changes are set operations (adding a member twice is not an error).
 */
import { sql, type Transaction } from 'kysely';
import type { Db } from '../db/index.js';
import type { DB } from '../db/schema.js';
import { groupFilterSql } from './filter-store.js';
import type { ListParams } from './representation.js';
import { groupOrderSql } from './sort-store.js';
import { rethrowUnique } from './store.js';

export interface ScimGroupRow {
  id: string;
  org_id: string;
  name: string;
  external_id: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}
export interface MemberChange {
  add?: string[];
  remove?: string[];
  removeAll?: boolean;
}

const groupColumns = [
  'groups.id',
  'groups.org_id',
  'groups.name',
  'scim_groups.external_id',
  'scim_groups.version',
  'scim_groups.created_at',
  'scim_groups.updated_at',
] as const;

async function applyMembers(trx: Transaction<DB>, orgId: string, groupId: string, change: MemberChange) {
  if (change.removeAll) await trx.deleteFrom('group_members').where('group_id', '=', groupId).execute();
  if (change.remove?.length)
    await trx.deleteFrom('group_members').where('group_id', '=', groupId).where('user_id', 'in', change.remove).execute();
  if (change.add?.length) {
    // Only people provisioned (and not deleted) in this organization can be members.
    await trx
      .insertInto('group_members')
      .columns(['group_id', 'user_id'])
      .expression(
        trx
          .selectFrom('scim_users')
          .select([sql<string>`${groupId}`.as('group_id'), 'user_id'])
          .where('org_id', '=', orgId)
          .where('deleted_at', 'is', null)
          .where('user_id', 'in', change.add),
      )
      .onConflict((oc) => oc.columns(['group_id', 'user_id']).doNothing())
      .execute();
  }
}

export function createGroupStore(db: Db) {
  const groups = (orgId: string) =>
    db
      .selectFrom('groups')
      .innerJoin('scim_groups', 'scim_groups.group_id', 'groups.id')
      .select(groupColumns)
      .where('groups.org_id', '=', orgId);

  return {
    findGroup: (orgId: string, id: string): Promise<ScimGroupRow | undefined> =>
      groups(orgId).where('groups.id', '=', id).executeTakeFirst(),
    async listGroups(orgId: string, { filter, sort, offset, count: limit }: ListParams) {
      const where = filter ? groupFilterSql(filter) : sql<boolean>`true`;
      const order = groupOrderSql(sort);
      const [{ total }] = await db
        .selectFrom('groups')
        .innerJoin('scim_groups', 'scim_groups.group_id', 'groups.id')
        .select(sql<string>`count(*)`.as('total'))
        .where('groups.org_id', '=', orgId)
        .where(where)
        .execute();
      const rows = limit > 0 ? await groups(orgId).where(where).orderBy(order).offset(offset).limit(limit).execute() : [];
      return { total: Number(total), rows };
    },
    /** Members of the given groups (with their display name), in one query. */
    membersOf: (groupIds: string[]) =>
      groupIds.length
        ? db
            .selectFrom('group_members')
            .innerJoin('scim_users', 'scim_users.user_id', 'group_members.user_id')
            .select(['group_members.group_id', 'group_members.user_id', 'scim_users.display_name', 'scim_users.user_name'])
            .where('group_members.group_id', 'in', groupIds)
            .orderBy('group_members.user_id')
            .execute()
        : Promise.resolve([]),
    /** Ids among `ids` that are people provisioned in this organization. */
    async provisionedAmong(orgId: string, ids: string[]) {
      if (!ids.length) return [];
      const rows = await db
        .selectFrom('scim_users')
        .select('user_id')
        .where('org_id', '=', orgId)
        .where('deleted_at', 'is', null)
        .where('user_id', 'in', ids)
        .execute();
      return rows.map((r) => r.user_id);
    },

    async createGroup(
      orgId: string,
      g: { id: string; name: string; external_id: string | null },
      members: string[],
    ): Promise<ScimGroupRow> {
      try {
        return await db.transaction().execute(async (trx) => {
          await trx.insertInto('groups').values({ id: g.id, org_id: orgId, name: g.name }).execute();
          await trx.insertInto('scim_groups').values({ group_id: g.id, org_id: orgId, external_id: g.external_id }).execute();
          await applyMembers(trx, orgId, g.id, { add: members });
          return {
            id: g.id,
            org_id: orgId,
            name: g.name,
            external_id: g.external_id,
            version: 1,
            ...(await trx
              .selectFrom('scim_groups')
              .select(['created_at', 'updated_at'])
              .where('group_id', '=', g.id)
              .executeTakeFirstOrThrow()),
          };
        });
      } catch (err) {
        return rethrowUnique(err);
      }
    },

    /** Renames and changes members, if the group's version is still `version` (undefined otherwise). */
    async updateGroup(
      orgId: string,
      id: string,
      version: number | undefined,
      set: { name?: string; external_id?: string | null },
      members: MemberChange,
    ) {
      try {
        return await db.transaction().execute(async (trx) => {
          let q = trx
            .updateTable('scim_groups')
            .set({
              version: sql`version + 1`,
              updated_at: sql`now()`,
              ...(set.external_id !== undefined ? { external_id: set.external_id } : {}),
            })
            .where('org_id', '=', orgId)
            .where('group_id', '=', id);
          if (version !== undefined) q = q.where('version', '=', version);
          const row = await q.returning('group_id').executeTakeFirst();
          if (!row) return undefined;
          if (set.name !== undefined) await trx.updateTable('groups').set({ name: set.name }).where('id', '=', id).execute();
          await applyMembers(trx, orgId, id, members);
          return await trx
            .selectFrom('groups')
            .innerJoin('scim_groups', 'scim_groups.group_id', 'groups.id')
            .select(groupColumns)
            .where('groups.id', '=', id)
            .executeTakeFirstOrThrow();
        });
      } catch (err) {
        return rethrowUnique(err);
      }
    },

    async deleteGroup(orgId: string, id: string) {
      const row = await db
        .deleteFrom('groups')
        .where('org_id', '=', orgId)
        .where('id', '=', id)
        .where('id', 'in', db.selectFrom('scim_groups').select('group_id').where('org_id', '=', orgId))
        .returning('id')
        .executeTakeFirst();
      return Boolean(row);
    },
  };
}
export type GroupStore = ReturnType<typeof createGroupStore>;
