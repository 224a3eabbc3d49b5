/**
 * SQL for apps (OIDC clients and SAML SPs as the launcher sees them) and who may use them. Rules:
 * - an app's name, icon and launch URL fall back to its registration (client metadata, SP settings)
 *   when no launcher value is set, so registering a client or an SP keeps working as before;
 * - only OIDC clients that sign people in (authorization_code) are apps to people;
 * - who may use it: not restricted (everyone), or a member of one of its organizations, or of one of
 *   its groups. The launcher reads everything for one person in one statement: each restricted app
 *   costs a few primary-key probes (app_access_* by app, memberships and group_members by person).
 */
import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../db/index.js';

export interface AppRow {
  id: string;
  kind: 'oidc' | 'saml';
  ref: string;
  name: string | null;
  names: Record<string, string>;
  reg_name: string;
  logo_url: string | null;
  icon_etag: string | null;
  launch_url: string | null;
  idp_initiated: boolean;
  target_link_uri: string | null;
  trial_url: string | null;
  restricted: boolean;
}

export interface PersonAppRow extends AppRow {
  allowed: boolean;
}

export interface AccessEntry {
  orgs: Array<{ id: string; slug: string }>;
  groups: Array<{ id: string; name: string; org_id: string; org_slug: string }>;
}

export interface AppPatch {
  name?: string | null;
  names?: Record<string, string>;
  logo_url?: string | null;
  launch_url?: string | null;
  target_link_uri?: string | null;
  trial_url?: string | null;
}

/** The apps' columns (registration values filled in); `extra` adds columns, `where` conditions. */
const select = (extra: RawBuilder<unknown> = sql``, where: RawBuilder<unknown> = sql``) => sql`
  select a.id, a.kind, coalesce(a.client_id, a.sp_id) as ref, a.name, a.names,
    coalesce(c.metadata->>'client_name', s.settings->>'display_name', s.entity_id, a.client_id) as reg_name,
    coalesce(a.logo_url, c.metadata->>'logo_uri') as logo_url, a.icon_etag,
    coalesce(a.launch_url, c.metadata->>'initiate_login_uri', s.settings->>'launch_url') as launch_url,
    coalesce((s.settings->>'allow_idp_initiated')::boolean, false) as idp_initiated,
    a.target_link_uri, a.trial_url, a.restricted ${extra}
  from apps a
  left join oidc_clients c on c.client_id = a.client_id
  left join saml_service_providers s on s.id = a.sp_id
  where (a.kind = 'saml' or c.metadata->'grant_types' @> '["authorization_code"]'::jsonb) ${where}`;

const allowedFor = (userId: string) => sql`(not a.restricted
    or exists (select 1 from app_access_orgs ao join memberships m on m.org_id = ao.org_id
               where ao.app_id = a.id and m.user_id = ${userId})
    or exists (select 1 from app_access_groups ag join group_members gm on gm.group_id = ag.group_id
               where ag.app_id = a.id and gm.user_id = ${userId}))`;

/** Restricted to groups of an organization the person belongs to (whether or not they are in the group). */
const relatedTo = (userId: string) => sql`(a.restricted
    and exists (select 1 from app_access_groups ag join groups g on g.id = ag.group_id
                join memberships m on m.org_id = g.org_id where ag.app_id = a.id and m.user_id = ${userId}))`;

/** The apps an organization's administrator sees: for everyone, or listing the organization (directly or by a group). */
const visibleTo = (orgId: string) => sql`(not a.restricted
    or exists (select 1 from app_access_orgs ao where ao.app_id = a.id and ao.org_id = ${orgId})
    or exists (select 1 from app_access_groups ag join groups g on g.id = ag.group_id where ag.app_id = a.id and g.org_id = ${orgId}))`;

const forPersonQuery = (userId: string) => sql`select * from (
    ${select(sql`, ${allowedFor(userId)} as allowed, ${relatedTo(userId)} as related`)}) y
  where y.allowed or (y.related and y.trial_url is not null)`;

/**
 * In the transaction that registers a new OIDC client or SAML SP: the app the trigger has just made
 * for it is for `orgId` only (restricted, that organization listed), so it is never open to everyone,
 * not even for a moment (an organization administrator's registration, admin/app-owner.ts).
 */
export async function restrictNewApp(tx: Db, of: { clientId: string } | { spId: string }, orgId: string) {
  const apps = tx.selectFrom('apps').select('id');
  const app = await (
    'clientId' in of ? apps.where('client_id', '=', of.clientId) : apps.where('sp_id', '=', of.spId)
  ).executeTakeFirstOrThrow();
  await tx.updateTable('apps').set({ restricted: true, updated_at: new Date() }).where('id', '=', app.id).execute();
  await tx
    .insertInto('app_access_orgs')
    .values({ app_id: app.id, org_id: orgId })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

export function createAppStore(db: Db) {
  /** Told after who may use an app changed (the launcher's cache of open apps, launcher.ts). */
  const accessListeners = new Set<() => void>();
  return {
    onAccessChange(listener: () => void) {
      accessListeners.add(listener);
    },

    /** The apps a person may use, and the ones of their organizations' groups they are not in that have a trial URL. */
    async forPerson(userId: string): Promise<PersonAppRow[]> {
      return (await sql<PersonAppRow>`${forPersonQuery(userId)}`.execute(db)).rows;
    },

    /** The plan of forPerson's statement (the launcher bench reports it). */
    async explainForPerson(userId: string): Promise<string[]> {
      const r = await sql<{ 'QUERY PLAN': string }>`explain (analyze, costs off, timing off) ${forPersonQuery(userId)}`.execute(db);
      return r.rows.map((row) => row['QUERY PLAN']);
    },

    /** Whether the person may use the app registered as `ref`; an id that is no app (internal clients) is not restricted. */
    /** `open`: the app is everyone's (or there is no such app), whoever asks; the launcher caches that much. */
    async mayUse(userId: string, kind: 'oidc' | 'saml', ref: string): Promise<{ allowed: boolean; open: boolean }> {
      const column = kind === 'oidc' ? sql.ref('a.client_id') : sql.ref('a.sp_id');
      const r = await sql<{
        allowed: boolean;
        restricted: boolean;
      }>`select ${allowedFor(userId)} as allowed, a.restricted from apps a where ${column} = ${ref}`.execute(db);
      const row = r.rows[0];
      return row ? { allowed: row.allowed, open: !row.restricted } : { allowed: true, open: true };
    },

    async list(visibleToOrg?: string): Promise<AppRow[]> {
      const filter = visibleToOrg ? sql`and ${visibleTo(visibleToOrg)}` : sql``;
      return (await sql<AppRow>`${select(sql``, filter)} order by a.id`.execute(db)).rows;
    },

    async find(id: string, visibleToOrg?: string): Promise<AppRow | undefined> {
      const filter = visibleToOrg ? sql`and ${visibleTo(visibleToOrg)}` : sql``;
      return (await sql<AppRow>`${select(sql``, sql`and a.id = ${id} ${filter}`)}`.execute(db)).rows[0];
    },

    /** Who may use each of these apps (organizations by slug, groups with their organization). */
    async access(appIds: string[]): Promise<Map<string, AccessEntry>> {
      const out = new Map<string, AccessEntry>(appIds.map((id) => [id, { orgs: [], groups: [] }]));
      if (!appIds.length) return out;
      const [orgs, groups] = await Promise.all([
        db
          .selectFrom('app_access_orgs as ao')
          .innerJoin('organizations as o', 'o.id', 'ao.org_id')
          .select(['ao.app_id', 'o.id', 'o.slug'])
          .where('ao.app_id', 'in', appIds)
          .orderBy('o.slug')
          .execute(),
        db
          .selectFrom('app_access_groups as ag')
          .innerJoin('groups as g', 'g.id', 'ag.group_id')
          .innerJoin('organizations as o', 'o.id', 'g.org_id')
          .select(['ag.app_id', 'g.id', 'g.name', 'g.org_id', 'o.slug as org_slug'])
          .where('ag.app_id', 'in', appIds)
          .orderBy('o.slug')
          .orderBy('g.name')
          .execute(),
      ]);
      for (const o of orgs) out.get(o.app_id)!.orgs.push({ id: o.id, slug: o.slug });
      for (const g of groups) out.get(g.app_id)!.groups.push({ id: g.id, name: g.name, org_id: g.org_id, org_slug: g.org_slug });
      return out;
    },

    /** The app of a client or an SP (bootstrap and CLI name apps by what they registered). */
    async idOf(kind: 'oidc' | 'saml', ref: string): Promise<string | undefined> {
      const q = db.selectFrom('apps').select('id');
      const row = await (kind === 'oidc' ? q.where('client_id', '=', ref) : q.where('sp_id', '=', ref)).executeTakeFirst();
      return row?.id;
    },

    async update(id: string, patch: AppPatch): Promise<void> {
      const values = { ...patch, ...(patch.names ? { names: JSON.stringify(patch.names) } : {}), updated_at: new Date() };
      await db
        .updateTable('apps')
        .set(values as Record<string, unknown>)
        .where('id', '=', id)
        .execute();
    },

    /** Replaces who may use the app: null = everyone; otherwise exactly these organizations and groups. */
    async setAccess(id: string, access: { orgIds: string[]; groupIds: string[] } | null): Promise<void> {
      await db.transaction().execute(async (tx) => {
        await tx.deleteFrom('app_access_orgs').where('app_id', '=', id).execute();
        await tx.deleteFrom('app_access_groups').where('app_id', '=', id).execute();
        if (access?.orgIds.length)
          await tx
            .insertInto('app_access_orgs')
            .values([...new Set(access.orgIds)].map((org_id) => ({ app_id: id, org_id })))
            .execute();
        if (access?.groupIds.length)
          await tx
            .insertInto('app_access_groups')
            .values([...new Set(access.groupIds)].map((group_id) => ({ app_id: id, group_id })))
            .execute();
        await tx
          .updateTable('apps')
          .set({ restricted: access !== null, updated_at: new Date() })
          .where('id', '=', id)
          .execute();
      });
      for (const listener of accessListeners) listener();
    },

    async setIcon(id: string, icon: { bytes: Buffer; type: string; etag: string } | null): Promise<void> {
      await db
        .updateTable('apps')
        .set({ icon: icon?.bytes ?? null, icon_type: icon?.type ?? null, icon_etag: icon?.etag ?? null, updated_at: new Date() })
        .where('id', '=', id)
        .execute();
    },

    icon: (id: string) =>
      db
        .selectFrom('apps')
        .select(['icon', 'icon_type', 'icon_etag'])
        .where('id', '=', id)
        .where('icon', 'is not', null)
        .executeTakeFirst(),

    orgsBySlug: (slugs: string[]) =>
      slugs.length ? db.selectFrom('organizations').select(['id', 'slug']).where('slug', 'in', slugs).execute() : Promise.resolve([]),

    /** Groups by name, in the given organizations (or in any when none are given). */
    groupsNamed: (names: string[], orgIds?: string[]) => {
      if (!names.length) return Promise.resolve([]);
      let q = db
        .selectFrom('groups as g')
        .innerJoin('organizations as o', 'o.id', 'g.org_id')
        .select(['g.id', 'g.name', 'g.org_id', 'o.slug as org_slug'])
        .where('g.name', 'in', names);
      if (orgIds) q = q.where('g.org_id', 'in', orgIds.length ? orgIds : ['']);
      return q.execute();
    },
  };
}
export type AppStore = ReturnType<typeof createAppStore>;
