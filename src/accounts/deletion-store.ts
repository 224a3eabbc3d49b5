/**
 * The one soft delete of a person, and the purge after it (SQL). An administrator's delete (admin
 * API, admin center, CLI) and SCIM DELETE both come here. Rules:
 * - soft delete, in one transaction: `users.deleted_at` set and the account disabled (no sign-in of
 *   any kind), the person's SCIM record of that organization hidden, and out of its groups; the
 *   caller ends sessions and revokes tokens right after (the transaction holds no network calls);
 * - a soft-deleted person is hidden from every list and lookup of the admin layer and of SCIM;
 * - purge removes the account row of people deleted before the cut-off: every table of personal data
 *   (passwords, factors, links, identities, memberships, SCIM record) goes with it by foreign keys;
 *   audit events keep the ids they name (they have no foreign key to users).
 */
import { sql } from 'kysely';
import type { Db } from '../db/index.js';

type Executor = Pick<Db, 'updateTable' | 'deleteFrom' | 'selectFrom'>;

/** Soft-deletes inside the caller's transaction; false when the person was already deleted (or never existed). */
export async function softDeleteIn(trx: Executor, orgId: string, userId: string): Promise<boolean> {
  const row = await trx
    .updateTable('users')
    .set({ deleted_at: sql`now()`, status: 'disabled', updated_at: new Date() })
    .where('id', '=', userId)
    .where('deleted_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
  if (!row) return false;
  await trx
    .updateTable('scim_users')
    .set({ deleted_at: sql`now()`, active: false, version: sql`version + 1`, updated_at: sql`now()` })
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .where('deleted_at', 'is', null)
    .execute();
  await trx
    .deleteFrom('group_members')
    .where('user_id', '=', userId)
    .where('group_id', 'in', trx.selectFrom('groups').select('id').where('org_id', '=', orgId))
    .execute();
  return true;
}

export function createDeletionStore(db: Db) {
  return {
    softDelete: (orgId: string, userId: string) => db.transaction().execute((trx) => softDeleteIn(trx, orgId, userId)),
    /** Removes (up to `batch`) people soft-deleted before `before`: each purged id with the organizations it belonged to. */
    async purge(before: Date, batch = 1000): Promise<Array<{ id: string; orgIds: string[] }>> {
      const due = await db
        .selectFrom('users')
        .leftJoin('memberships', 'memberships.user_id', 'users.id')
        .select(['users.id', 'memberships.org_id'])
        .where('users.deleted_at', '<', before)
        .orderBy('users.id')
        .limit(batch)
        .execute();
      const orgs = new Map<string, string[]>();
      for (const r of due) orgs.set(r.id, [...(orgs.get(r.id) ?? []), ...(r.org_id ? [r.org_id] : [])]);
      if (!orgs.size) return [];
      const gone = await db
        .deleteFrom('users')
        .where('id', 'in', [...orgs.keys()])
        .where('deleted_at', '<', before)
        .returning('id')
        .execute();
      return gone.map((r) => ({ id: r.id, orgIds: orgs.get(r.id) ?? [] }));
    },
  };
}
export type DeletionStore = ReturnType<typeof createDeletionStore>;
