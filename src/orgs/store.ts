/** SQL for organizations, their members, their domains and their sign-in policies (SSO only). */
import { sql } from 'kysely';
import type { Db } from '../db/index.js';
import type { MembershipTable, OrgDomainTable, OrganizationTable } from '../db/schema.js';
import { assertMayRemoveDomain, hasWayIn, withOrgLocked } from './lockout-store.js';

export type Organization = Pick<OrganizationTable, 'id' | 'slug' | 'name'> & {
  status: 'active' | 'disabled';
  sso_only: 'off' | 'pending' | 'on';
  sso_only_since: Date | null;
};
export type OrgDomain = Pick<OrgDomainTable, 'id' | 'org_id' | 'domain' | 'token' | 'verified_by'> & {
  verified_at: Date | null;
  created_at: Date;
};
const orgColumns = ['id', 'slug', 'name', 'status', 'sso_only', 'sso_only_since'] as const;

export function createOrgStore(db: Db) {
  return {
    findBySlug: (slug: string): Promise<Organization | undefined> =>
      db.selectFrom('organizations').select(orgColumns).where('slug', '=', slug).executeTakeFirst(),
    findById: (id: string): Promise<Organization | undefined> =>
      db.selectFrom('organizations').select(orgColumns).where('id', '=', id).executeTakeFirst(),
    /** An organization by its slug or (case-insensitively) its exact name: "Use my company ID". */
    findBySlugOrName: (text: string): Promise<Organization | undefined> =>
      db
        .selectFrom('organizations')
        .select(orgColumns)
        .where((eb) => eb.or([eb('slug', '=', text.toLowerCase()), eb(sql`lower(name)`, '=', text.toLowerCase())]))
        .orderBy('slug')
        .limit(1)
        .executeTakeFirst(),
    list: (): Promise<Organization[]> => db.selectFrom('organizations').select(orgColumns).orderBy('slug').execute(),
    async upsert(org: { id: string; slug: string; name: string }) {
      const row = await db
        .insertInto('organizations')
        .values(org)
        .onConflict((oc) => oc.column('slug').doUpdateSet({ name: org.name }))
        .returning(['id'])
        .executeTakeFirstOrThrow();
      return row.id;
    },
    async setStatus(orgId: string, status: Organization['status']) {
      await db.updateTable('organizations').set({ status }).where('id', '=', orgId).execute();
    },
    /**
     * Sets SSO-only; `on` records when enforcement began (sessions created before it run until they end),
     * and happens only while an enabled connection with a successful test sign-in exists, checked under
     * the organization's lock (orgs/lockout-store.ts): false when there is none (nothing changed).
     */
    async setSsoOnly(orgId: string, mode: Organization['sso_only']): Promise<boolean> {
      const update = (x: Db) =>
        x
          .updateTable('organizations')
          .set({ sso_only: mode, sso_only_since: mode === 'on' ? sql`coalesce(sso_only_since, now())` : null })
          .where('id', '=', orgId)
          .execute();
      if (mode !== 'on') {
        await update(db);
        return true;
      }
      return withOrgLocked(db, orgId, async (trx) => {
        if (!(await hasWayIn(trx, orgId))) return false;
        await update(trx);
        return true;
      });
    },
    async addMember(orgId: string, userId: string, role: MembershipTable['role']) {
      await db
        .insertInto('memberships')
        .values({ org_id: orgId, user_id: userId, role })
        .onConflict((oc) => oc.columns(['org_id', 'user_id']).doUpdateSet({ role }))
        .execute();
    },
    /** Adds a member unless they already are one (keeps an existing role). */
    async ensureMember(orgId: string, userId: string) {
      await db
        .insertInto('memberships')
        .values({ org_id: orgId, user_id: userId, role: 'member' })
        .onConflict((oc) => oc.columns(['org_id', 'user_id']).doNothing())
        .execute();
    },
    /** An organization's own session lengths (null: the deployment's). */
    sessionLengthsOf: async (orgId: string) =>
      db
        .selectFrom('organizations')
        .select(['session_max_hours', 'session_remember_days', 'session_policy_changed_at'])
        .where('id', '=', orgId)
        .executeTakeFirst(),
    async setSessionLengths(orgId: string, maxHours: number | null, rememberDays: number | null) {
      await db
        .updateTable('organizations')
        .set({ session_max_hours: maxHours, session_remember_days: rememberDays, session_policy_changed_at: sql`now()` })
        .where('id', '=', orgId)
        .execute();
    },
    /** The shortest session lengths of the active organizations a person belongs to (one indexed look-up). */
    async sessionLengthsFor(userId: string) {
      const r = await db
        .selectFrom('memberships')
        .innerJoin('organizations', 'organizations.id', 'memberships.org_id')
        .select((eb) => [
          eb.fn.min('organizations.session_max_hours').as('max_session_hours'),
          eb.fn.min('organizations.session_remember_days').as('remember_days'),
        ])
        .where('memberships.user_id', '=', userId)
        .where('organizations.status', '=', 'active')
        .executeTakeFirst();
      return { max_session_hours: r?.max_session_hours ?? null, remember_days: r?.remember_days ?? null };
    },
    async setBreakGlass(orgId: string, userId: string, on: boolean) {
      const row = await db
        .updateTable('memberships')
        .set({ break_glass: on })
        .where('org_id', '=', orgId)
        .where('user_id', '=', userId)
        .where('role', '=', 'admin')
        .returning('user_id')
        .executeTakeFirst();
      return Boolean(row);
    },
    membershipsOf: (userId: string) =>
      db
        .selectFrom('memberships')
        .innerJoin('organizations', 'organizations.id', 'memberships.org_id')
        .select([
          'organizations.id',
          'organizations.slug',
          'organizations.name',
          'memberships.role',
          'memberships.break_glass',
          'organizations.status',
          'organizations.sso_only',
          'organizations.sso_only_since',
        ])
        .where('memberships.user_id', '=', userId)
        .execute(),

    // Domains.
    domainsOf: (orgId: string): Promise<OrgDomain[]> =>
      db.selectFrom('org_domains').selectAll().where('org_id', '=', orgId).orderBy('domain').execute(),
    findDomain: (orgId: string, domain: string): Promise<OrgDomain | undefined> =>
      db.selectFrom('org_domains').selectAll().where('org_id', '=', orgId).where('domain', '=', domain).executeTakeFirst(),
    /** The organization that verified `domain`, if any (at most one can). */
    verifiedOwner: (domain: string): Promise<Organization | undefined> =>
      db
        .selectFrom('org_domains')
        .innerJoin('organizations', 'organizations.id', 'org_domains.org_id')
        .select(orgColumns.map((c) => `organizations.${c}` as const))
        .where('org_domains.domain', '=', domain)
        .where('org_domains.verified_at', 'is not', null)
        .executeTakeFirst(),
    /** Claims a domain for an organization (idempotent: an existing claim keeps its token). */
    async claimDomain(d: { id: string; org_id: string; domain: string; token: string }): Promise<OrgDomain> {
      await db
        .insertInto('org_domains')
        .values(d)
        .onConflict((oc) => oc.columns(['org_id', 'domain']).doNothing())
        .execute();
      return await db
        .selectFrom('org_domains')
        .selectAll()
        .where('org_id', '=', d.org_id)
        .where('domain', '=', d.domain)
        .executeTakeFirstOrThrow();
    },
    /** Marks a claim verified; false when another organization verified the domain first. */
    async markVerified(id: string, by: NonNullable<OrgDomain['verified_by']>): Promise<boolean> {
      try {
        const row = await db
          .updateTable('org_domains')
          .set({ verified_at: sql`coalesce(verified_at, now())`, verified_by: sql`coalesce(verified_by, ${by})` })
          .where('id', '=', id)
          .returning('id')
          .executeTakeFirst();
        return Boolean(row);
      } catch (err) {
        if ((err as { code?: string }).code === '23505') return false; // unique: verified elsewhere
        throw err;
      }
    },
    /** Never the last verified domain under SSO only (409, checked under the organization's lock). */
    async removeDomain(orgId: string, domain: string) {
      await withOrgLocked(db, orgId, async (trx, mode) => {
        await assertMayRemoveDomain(trx, orgId, mode, domain);
        await trx.deleteFrom('org_domains').where('org_id', '=', orgId).where('domain', '=', domain).execute();
      });
    },
  };
}
export type OrgStore = ReturnType<typeof createOrgStore>;
