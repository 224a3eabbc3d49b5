/** SQL for organizations and their members. */
import type { Db } from '../db/index.js';
import type { MembershipTable } from '../db/schema.js';

export function createOrgStore(db: Db) {
  return {
    findBySlug: (slug: string) => db.selectFrom('organizations').selectAll().where('slug', '=', slug).executeTakeFirst(),
    async upsert(org: { id: string; slug: string; name: string }) {
      const row = await db.insertInto('organizations').values(org)
        .onConflict((oc) => oc.column('slug').doUpdateSet({ name: org.name }))
        .returning(['id']).executeTakeFirstOrThrow();
      return row.id;
    },
    async addMember(orgId: string, userId: string, role: MembershipTable['role']) {
      await db.insertInto('memberships').values({ org_id: orgId, user_id: userId, role })
        .onConflict((oc) => oc.columns(['org_id', 'user_id']).doUpdateSet({ role })).execute();
    },
    membershipsOf: (userId: string) => db.selectFrom('memberships').innerJoin('organizations', 'organizations.id', 'memberships.org_id')
      .select(['organizations.id', 'organizations.slug', 'organizations.name', 'memberships.role'])
      .where('memberships.user_id', '=', userId).execute(),
  };
}
export type OrgStore = ReturnType<typeof createOrgStore>;
