/**
 * SQL for the admin API. Rules: every read of an organization's data joins through that
 * organization (memberships, org_id columns), so a row of another organization is never returned;
 * lists are keyset-paginated (a cursor, never an offset) on indexed columns.
 */
import { sql } from 'kysely';
import type { Db } from '../db/index.js';

export interface UserPageQuery {
  orgId: string;
  /** Prefix of the email address or the name (case-insensitive). */
  q?: string;
  /** The last email_norm of the previous page. */
  after?: string;
  limit: number;
}

export interface AuditQuery {
  orgId?: string;
  userId?: string;
  type?: string;
  from?: Date;
  to?: Date;
  /** Events older than this id (the previous page's last). */
  before?: string;
  limit: number;
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export function createAdminStore(db: Db) {
  function usersPageQuery(p: UserPageQuery) {
    let q = db
      .selectFrom('memberships')
      .innerJoin('users', 'users.id', 'memberships.user_id')
      .select(['users.id', 'users.email', 'users.email_norm', 'users.name', 'users.status', 'users.created_at', 'memberships.role'])
      .where('memberships.org_id', '=', p.orgId)
      .where('users.deleted_at', 'is', null)
      .orderBy('users.email_norm')
      .limit(p.limit + 1);
    if (p.after) q = q.where('users.email_norm', '>', p.after);
    if (p.q) {
      const prefix = `${escapeLike(p.q.toLowerCase())}%`;
      q = q.where((eb) =>
        eb.or([eb('users.email_norm', 'like', prefix), eb(sql<string>`lower(coalesce(users.name, ''))`, 'like', prefix)]),
      );
    }
    return q;
  }

  function auditQuery(f: Omit<AuditQuery, 'limit'>) {
    let q = db.selectFrom('audit_events').selectAll().orderBy('id', 'desc');
    if (f.orgId) q = q.where('org_id', '=', f.orgId);
    if (f.userId) q = q.where('user_id', '=', f.userId);
    if (f.type) q = q.where('type', '=', f.type);
    if (f.from) q = q.where('at', '>=', f.from);
    if (f.to) q = q.where('at', '<', f.to);
    if (f.before) q = q.where('id', '<', f.before);
    return q;
  }

  return {
    adminClient: (clientId: string) => db.selectFrom('admin_clients').selectAll().where('client_id', '=', clientId).executeTakeFirst(),
    async setAdminClient(clientId: string, orgId: string | null) {
      const row = { client_id: clientId, org_id: orgId, operator: orgId === null };
      await db
        .insertInto('admin_clients')
        .values(row)
        .onConflict((oc) => oc.column('client_id').doUpdateSet({ org_id: row.org_id, operator: row.operator }))
        .execute();
    },

    orgBySlug: (slug: string) => db.selectFrom('organizations').select(['id', 'slug', 'name']).where('slug', '=', slug).executeTakeFirst(),

    usersPage: (p: UserPageQuery) => usersPageQuery(p).execute(),
    /** The people list's statement (the benchmark explains this very query). */
    usersPageQuery,

    userOfOrg: (orgId: string, userId: string) =>
      db
        .selectFrom('memberships')
        .innerJoin('users', 'users.id', 'memberships.user_id')
        .select(['users.id', 'users.email', 'users.name', 'users.status', 'users.created_at', 'memberships.role'])
        .where('memberships.org_id', '=', orgId)
        .where('users.id', '=', userId)
        .where('users.deleted_at', 'is', null)
        .executeTakeFirst(),

    /** Users in other organizations too: disabling such a person is an operator's decision. */
    async otherOrgs(orgId: string, userId: string) {
      const rows = await db.selectFrom('memberships').select('org_id').where('user_id', '=', userId).where('org_id', '<>', orgId).execute();
      return rows.length;
    },

    /** An organization's administrators (not deleted), with their break-glass flag. */
    administratorsOf: (orgId: string) =>
      db
        .selectFrom('memberships')
        .innerJoin('users', 'users.id', 'memberships.user_id')
        .select(['users.id', 'users.email', 'users.name', 'memberships.break_glass'])
        .where('memberships.org_id', '=', orgId)
        .where('memberships.role', '=', 'admin')
        .where('users.deleted_at', 'is', null)
        .orderBy('users.email_norm')
        .execute(),

    /** The active organizations a person administers (admin center). */
    adminOrgsOf: (userId: string) =>
      db
        .selectFrom('memberships')
        .innerJoin('organizations', 'organizations.id', 'memberships.org_id')
        .select(['organizations.id', 'organizations.slug', 'organizations.name'])
        .where('memberships.user_id', '=', userId)
        .where('memberships.role', '=', 'admin')
        .where('organizations.status', '=', 'active')
        .orderBy('organizations.name')
        .execute(),

    /** People, sign-ins and failed sign-ins of the last 7 days, and people with a second factor. */
    async overview(orgId: string) {
      const since = sql<Date>`now() - interval '7 days'`;
      const members = db.selectFrom('memberships').select('user_id').where('org_id', '=', orgId);
      const [people, signIns, failures, withFactor] = await Promise.all([
        db
          .selectFrom('memberships')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('org_id', '=', orgId)
          .executeTakeFirstOrThrow(),
        db
          .selectFrom('audit_events')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('type', '=', 'login.success')
          .where('at', '>', since)
          .where('user_id', 'in', members)
          .executeTakeFirstOrThrow(),
        db
          .selectFrom('audit_events')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('type', 'in', ['login.password', 'login.denied', 'login.throttled'])
          .where('outcome', '=', 'failure')
          .where('at', '>', since)
          .where('user_id', 'in', members)
          .executeTakeFirstOrThrow(),
        db
          .selectFrom('user_factors')
          .select((eb) => eb.fn.count<string>('user_id').distinct().as('n'))
          .where('confirmed_at', 'is not', null)
          .where('user_id', 'in', members)
          .executeTakeFirstOrThrow(),
      ]);
      return { people: Number(people.n), signIns: Number(signIns.n), failures: Number(failures.n), withFactor: Number(withFactor.n) };
    },

    auditPage: (f: AuditQuery) =>
      auditQuery(f)
        .limit(f.limit + 1)
        .execute(),
    /** The whole selection, in batches of `batch` rows (keyset), for streaming exports. */
    async *auditBatches(f: Omit<AuditQuery, 'limit' | 'before'>, batch = 1000) {
      let before: string | undefined;
      for (;;) {
        const rows = await auditQuery({ ...f, before })
          .limit(batch)
          .execute();
        if (rows.length) yield rows;
        if (rows.length < batch) return;
        before = rows[rows.length - 1].id;
      }
    },
  };
}

export type AdminStore = ReturnType<typeof createAdminStore>;
