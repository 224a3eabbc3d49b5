/**
 * SQL for ad hoc support pairing. Rules:
 * - a session is open while pending (its code can still be activated) or active (before `ends_at`);
 *   what has passed its time is closed whatever its status says, so expiry needs no job;
 * - creating one takes the organization's row lock first, then counts and inserts in the same
 *   transaction: parallel requests cannot both take the last place under a cap;
 * - activation is one conditional UPDATE: of two activations of one code, one wins.
 */
import { sql } from 'kysely';
import type { Db } from '../db/index.js';
import type { SupportSessionTable } from '../db/schema.js';
import type { Selectable } from 'kysely';

export type SupportSession = Selectable<SupportSessionTable>;
export type DeviceKeyJwk = NonNullable<SupportSession['device_key']>;

export interface OpenSession {
  id: string;
  technician_id: string;
  technician_email: string;
  customer_email: string;
  status: 'pending' | 'active';
  created_at: Date;
  activated_at: Date | null;
  ends_at: Date | null;
}

export type CapHolder = Pick<OpenSession, 'id' | 'technician_email' | 'customer_email' | 'status' | 'ends_at'>;

export function createSupportStore(db: Db) {
  const openAt = (now: Date) =>
    sql<boolean>`(support_sessions.status = 'pending' and support_sessions.code_expires_at > ${now}) or (support_sessions.status = 'active' and support_sessions.ends_at > ${now})`;

  function open(q: Db, now: Date) {
    return q
      .selectFrom('support_sessions')
      .innerJoin('users', 'users.id', 'support_sessions.technician_id')
      .select([
        'support_sessions.id',
        'support_sessions.technician_id',
        'users.email as technician_email',
        'support_sessions.customer_email',
        sql<'pending' | 'active'>`support_sessions.status`.as('status'),
        'support_sessions.created_at',
        'support_sessions.activated_at',
        'support_sessions.ends_at',
      ])
      .where(openAt(now))
      .orderBy('support_sessions.created_at');
  }

  return {
    /**
     * Inserts the session unless a cap is reached; returns the sessions holding the cap instead.
     * `limit` is the organization's own cap when it set one, else the default.
     */
    async createUnderCaps(
      row: Omit<SupportSession, 'activated_at' | 'ends_at' | 'ended_at' | 'ended_by' | 'device_key' | 'activation_ip'>,
      defaultLimit: number,
    ): Promise<{ created: true } | { created: false; cap: 'technician' | 'organization'; limit: number; holders: CapHolder[] }> {
      return db.transaction().execute(async (trx) => {
        await trx.selectFrom('organizations').select('id').where('id', '=', row.org_id).forUpdate().executeTakeFirst();
        const own = await trx.selectFrom('org_support_limits').select('session_limit').where('org_id', '=', row.org_id).executeTakeFirst();
        const limit = own?.session_limit ?? defaultLimit;
        const openInOrg = await open(trx, row.created_at).where('support_sessions.org_id', '=', row.org_id).execute();
        const mine = openInOrg.filter((s) => s.technician_id === row.technician_id);
        if (mine.length >= 1) return { created: false as const, cap: 'technician' as const, limit: 1, holders: mine };
        if (openInOrg.length >= limit) return { created: false as const, cap: 'organization' as const, limit, holders: openInOrg };
        await trx.insertInto('support_sessions').values(row).execute();
        return { created: true as const };
      });
    },

    byCodeHash: (codeHash: string) => db.selectFrom('support_sessions').selectAll().where('code_hash', '=', codeHash).executeTakeFirst(),
    byId: (id: string) => db.selectFrom('support_sessions').selectAll().where('id', '=', id).executeTakeFirst(),

    /** Pending → active, only while its code is valid; false when another activation won or it closed. */
    async activate(id: string, now: Date, endsAt: Date, key: DeviceKeyJwk, ip: string) {
      const res = await db
        .updateTable('support_sessions')
        .set({ status: 'active', activated_at: now, ends_at: endsAt, device_key: JSON.stringify(key), activation_ip: ip })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .where('code_expires_at', '>', now)
        .executeTakeFirst();
      return res.numUpdatedRows > 0n;
    },

    /** Ends an open session now; false when it had already ended or expired. */
    async end(id: string, now: Date, by: string) {
      const res = await db
        .updateTable('support_sessions')
        .set({ status: 'ended', ended_at: now, ended_by: by })
        .where('id', '=', id)
        .where(openAt(now))
        .executeTakeFirst();
      return res.numUpdatedRows > 0n;
    },

    openOfOrg: (orgId: string, now: Date) => open(db, now).where('support_sessions.org_id', '=', orgId).execute(),
    openOfTechnician: (userId: string, now: Date) => open(db, now).where('support_sessions.technician_id', '=', userId).execute(),

    async setOrgLimit(orgId: string, limit: number | null) {
      if (limit === null) await db.deleteFrom('org_support_limits').where('org_id', '=', orgId).execute();
      else
        await db
          .insertInto('org_support_limits')
          .values({ org_id: orgId, session_limit: limit })
          .onConflict((oc) => oc.column('org_id').doUpdateSet({ session_limit: limit }))
          .execute();
    },

    /** Memberships that let a person run or oversee ad hoc support (role support or admin) in active organizations. */
    supportRoles: (userId: string) =>
      db
        .selectFrom('memberships')
        .innerJoin('organizations', 'organizations.id', 'memberships.org_id')
        .select(['organizations.id', 'organizations.name', 'memberships.role'])
        .where('memberships.user_id', '=', userId)
        .where('memberships.role', 'in', ['support', 'admin'])
        .where('organizations.status', '=', 'active')
        .orderBy('organizations.name')
        .execute(),
  };
}

export type SupportStore = ReturnType<typeof createSupportStore>;
