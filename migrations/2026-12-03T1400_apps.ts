/**
 * Apps: one row per OIDC client and per SAML service provider, with what the launcher shows (name and
 * names by language, icon as a URL or uploaded bytes, launch URL, trial / request-access URL) and who
 * may use it (`restricted`: only members of the organizations in app_access_orgs or of the groups in
 * app_access_groups; not restricted: everyone). A row is made for every client and SP as it is
 * registered (a trigger, so every way of registering — bootstrap, CLI, API — gets one) and removed
 * with it (foreign keys). Ids: `oidc-<client_id>` and `saml-<sp id>`.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('apps')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('oidc', 'saml')`))
    .addColumn('client_id', 'text', (c) => c.unique().references('oidc_clients.client_id').onDelete('cascade'))
    .addColumn('sp_id', 'text', (c) => c.unique().references('saml_service_providers.id').onDelete('cascade'))
    .addColumn('name', 'text')
    .addColumn('names', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('logo_url', 'text')
    .addColumn('icon', 'bytea')
    .addColumn('icon_type', 'text')
    .addColumn('icon_etag', 'text')
    .addColumn('launch_url', 'text')
    .addColumn('target_link_uri', 'text')
    .addColumn('trial_url', 'text')
    .addColumn('restricted', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('apps_ref', sql`(kind = 'oidc') = (client_id is not null) and (kind = 'saml') = (sp_id is not null)`)
    .execute();
  await db.schema
    .createTable('app_access_orgs')
    .addColumn('app_id', 'text', (c) => c.notNull().references('apps.id').onDelete('cascade'))
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('app_access_orgs_pk', ['app_id', 'org_id'])
    .execute();
  await db.schema.createIndex('app_access_orgs_org').on('app_access_orgs').column('org_id').execute();
  await db.schema
    .createTable('app_access_groups')
    .addColumn('app_id', 'text', (c) => c.notNull().references('apps.id').onDelete('cascade'))
    .addColumn('group_id', 'text', (c) => c.notNull().references('groups.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('app_access_groups_pk', ['app_id', 'group_id'])
    .execute();
  await db.schema.createIndex('app_access_groups_group').on('app_access_groups').column('group_id').execute();

  // Wayfinder's own internal clients (My account, the SAML SPs' first-party clients) are not apps.
  await sql`create function wf_app_for_client() returns trigger language plpgsql as $$
    begin
      if new.client_id <> 'wayfinder-account' and new.client_id not like 'wayfinder-saml.%' then
        insert into apps (id, kind, client_id) values ('oidc-' || new.client_id, 'oidc', new.client_id) on conflict do nothing;
      end if;
      return new;
    end $$`.execute(db);
  await sql`create function wf_app_for_sp() returns trigger language plpgsql as $$
    begin
      insert into apps (id, kind, sp_id) values ('saml-' || new.id, 'saml', new.id) on conflict do nothing;
      return new;
    end $$`.execute(db);
  await sql`create trigger oidc_clients_app after insert on oidc_clients for each row execute function wf_app_for_client()`.execute(db);
  await sql`create trigger saml_sps_app after insert on saml_service_providers for each row execute function wf_app_for_sp()`.execute(db);
  await sql`insert into apps (id, kind, client_id)
    select 'oidc-' || client_id, 'oidc', client_id from oidc_clients
    where client_id <> 'wayfinder-account' and client_id not like 'wayfinder-saml.%'`.execute(db);
  await sql`insert into apps (id, kind, sp_id) select 'saml-' || id, 'saml', id from saml_service_providers`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger saml_sps_app on saml_service_providers`.execute(db);
  await sql`drop trigger oidc_clients_app on oidc_clients`.execute(db);
  await sql`drop function wf_app_for_sp()`.execute(db);
  await sql`drop function wf_app_for_client()`.execute(db);
  for (const t of ['app_access_groups', 'app_access_orgs', 'apps']) await db.schema.dropTable(t).execute();
}
