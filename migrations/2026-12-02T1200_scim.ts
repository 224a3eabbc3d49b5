/**
 * SCIM 2.0 provisioning: bearer tokens per organization (stored as SHA-256 hashes), OAuth clients
 * allowed to provision an organization with client-credentials access tokens, the SCIM view of
 * provisioned people (userName, externalId, the attributes the IdP sent, a version for ETags, a soft
 * delete) and of groups (externalId, version). Lookups the IdPs make (userName, externalId, email,
 * displayName, lastModified) are indexed per organization; unique ones ignore soft-deleted rows.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('scim_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('label', 'text')
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_used_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('scim_tokens_org').on('scim_tokens').column('org_id').execute();

  // OAuth clients (client credentials, `scim` scope) allowed to provision one organization.
  await db.schema
    .createTable('scim_clients')
    .addColumn('client_id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('scim_users')
    .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('user_name', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text')
    .addColumn('display_name', 'text')
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
    // [{ type, value, primary }] with lower-cased values: containment (@>) answers email filters from the GIN index.
    .addColumn('emails_norm', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('resource', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('deleted_at', 'timestamptz')
    .execute();
  await sql`create unique index scim_users_user_name on scim_users (org_id, lower(user_name)) where deleted_at is null`.execute(db);
  await sql`create unique index scim_users_external_id on scim_users (org_id, external_id) where deleted_at is null and external_id is not null`.execute(
    db,
  );
  await sql`create index scim_users_display_name on scim_users (org_id, lower(display_name))`.execute(db);
  await sql`create index scim_users_modified on scim_users (org_id, updated_at)`.execute(db);
  await sql`create index scim_users_page on scim_users (org_id, created_at, user_id)`.execute(db);
  await sql`create index scim_users_emails on scim_users using gin (emails_norm jsonb_path_ops)`.execute(db);
  await sql`create index scim_users_deleted on scim_users (deleted_at) where deleted_at is not null`.execute(db);

  await db.schema
    .createTable('scim_groups')
    .addColumn('group_id', 'text', (c) => c.primaryKey().references('groups.id').onDelete('cascade'))
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('external_id', 'text')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create unique index scim_groups_external_id on scim_groups (org_id, external_id) where external_id is not null`.execute(db);
  await sql`create index scim_groups_page on scim_groups (org_id, created_at, group_id)`.execute(db);
  await sql`create index groups_org_lower_name on groups (org_id, lower(name))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists groups_org_lower_name`.execute(db);
  for (const t of ['scim_groups', 'scim_users', 'scim_clients', 'scim_tokens']) await db.schema.dropTable(t).execute();
}
