/** SQL for My account's profile and linked sign-ins: who manages an account, its company links, its ways in. */
import { sql } from 'kysely';
import type { Db } from '../db/index.js';

export type WayInKind = 'company' | 'social';

export function createProfileStore(db: Db) {
  /** Ways in other than (kind, connectionId); `passwordCounts` false when policy forbids the password (SSO only). */
  async function otherWaysIn(trx: Db, userId: string, except: { kind: WayInKind; connectionId: string }, passwordCounts: boolean) {
    const company = except.kind === 'company' ? except.connectionId : '';
    const social = except.kind === 'social' ? except.connectionId : '';
    const { rows } = await sql<{ ways: number }>`
      select (
        (case when ${passwordCounts} then (select count(*) from password_credentials where user_id = ${userId}) else 0 end)
        + (select count(*) from user_factors where user_id = ${userId} and kind = 'webauthn' and confirmed_at is not null)
        + (select count(*) from linked_identities where user_id = ${userId} and connection_id <> ${company})
        + (select count(*) from social_links where user_id = ${userId} and connection_id <> ${social})
      )::int as ways`.execute(trx);
    return rows[0].ways;
  }

  return {
    /** How many ways in the person has (a password counted only when `passwordCounts`). */
    waysIn: (userId: string, passwordCounts: boolean) => otherWaysIn(db, userId, { kind: 'company', connectionId: '' }, passwordCounts),

    /**
     * Whether the person's address is managed elsewhere: provisioned over SCIM (and not deleted), or an
     * account a company connection created (a company link and no password of its own).
     */
    async isManaged(userId: string) {
      const { rows } = await sql<{ managed: boolean }>`
        select exists (select 1 from scim_users where user_id = ${userId} and deleted_at is null)
          or (exists (select 1 from linked_identities where user_id = ${userId})
              and not exists (select 1 from password_credentials where user_id = ${userId})) as managed`.execute(db);
      return rows[0].managed;
    },

    /** The person's company ID links, with the connection's name and organization. */
    companyLinksOf: (userId: string) =>
      db
        .selectFrom('linked_identities')
        .innerJoin('connections', 'connections.id', 'linked_identities.connection_id')
        .innerJoin('organizations', 'organizations.id', 'connections.org_id')
        .select([
          'linked_identities.connection_id',
          'linked_identities.created_at',
          'linked_identities.last_used_at',
          'connections.name',
          'connections.org_id',
          'organizations.name as org_name',
        ])
        .where('linked_identities.user_id', '=', userId)
        .orderBy('linked_identities.created_at')
        .execute(),

    /**
     * Removes a link unless it is the last way in, in one transaction that locks the person's row
     * (two disconnects at once cannot both see the other as remaining).
     */
    async removeWayIn(userId: string, way: { kind: WayInKind; connectionId: string }, passwordCounts: boolean) {
      return db.transaction().execute(async (trx) => {
        await trx.selectFrom('users').select('id').where('id', '=', userId).forUpdate().executeTakeFirst();
        const table = way.kind === 'company' ? 'linked_identities' : 'social_links';
        const linked = await trx
          .selectFrom(table)
          .select('subject')
          .where('user_id', '=', userId)
          .where('connection_id', '=', way.connectionId)
          .executeTakeFirst();
        if (!linked) return 'not_found' as const;
        if ((await otherWaysIn(trx, userId, way, passwordCounts)) === 0) return 'last_way_in' as const;
        await trx.deleteFrom(table).where('user_id', '=', userId).where('connection_id', '=', way.connectionId).execute();
        return 'removed' as const;
      });
    },
  };
}
export type ProfileStore = ReturnType<typeof createProfileStore>;
