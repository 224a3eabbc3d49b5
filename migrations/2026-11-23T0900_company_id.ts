/**
 * Company ID: organizations' verified domains, their connections to company identity providers
 * (OIDC or SAML), identities linked on (connection, upstream subject), sign-ins waiting for the
 * upstream answer, SAML assertion IDs remembered against replay, SSO-only enforcement per
 * organization and break-glass administrators.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('organizations')
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('active')
        .check(sql`status in ('active', 'disabled')`),
    )
    .addColumn('sso_only', 'text', (c) =>
      c
        .notNull()
        .defaultTo('off')
        .check(sql`sso_only in ('off', 'pending', 'on')`),
    )
    .addColumn('sso_only_since', 'timestamptz')
    .execute();
  await db.schema
    .alterTable('memberships')
    .addColumn('break_glass', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();

  await db.schema
    .createTable('org_domains')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('domain', 'text', (c) => c.notNull())
    .addColumn('token', 'text', (c) => c.notNull())
    .addColumn('verified_at', 'timestamptz')
    .addColumn('verified_by', 'text', (c) => c.check(sql`verified_by in ('dns', 'operator', 'bootstrap')`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('org_domains_org_domain', ['org_id', 'domain'])
    .execute();
  // A verified domain belongs to exactly one organization.
  await sql`create unique index org_domains_verified on org_domains (domain) where verified_at is not null`.execute(db);

  await db.schema
    .createTable('connections')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('oidc', 'saml')`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('enabled', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('settings', 'jsonb', (c) => c.notNull())
    .addColumn('secret_enc', 'text')
    .addColumn('metadata', 'text')
    .addColumn('metadata_fetched_at', 'timestamptz')
    .addColumn('metadata_error', 'text')
    .addColumn('tested_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('connections_org').on('connections').column('org_id').execute();

  await db.schema
    .createTable('linked_identities')
    .addColumn('connection_id', 'text', (c) => c.notNull().references('connections.id').onDelete('cascade'))
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_used_at', 'timestamptz')
    .addPrimaryKeyConstraint('linked_identities_pk', ['connection_id', 'subject'])
    .execute();
  await db.schema.createIndex('linked_identities_user').on('linked_identities').column('user_id').execute();

  await db.schema
    .createTable('connector_states')
    .addColumn('state', 'text', (c) => c.primaryKey())
    .addColumn('connection_id', 'text', (c) => c.notNull().references('connections.id').onDelete('cascade'))
    .addColumn('purpose', 'text', (c) => c.notNull().check(sql`purpose in ('sign_in', 'test')`))
    .addColumn('data', 'jsonb', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('connector_states_expiry').on('connector_states').column('expires_at').execute();

  await db.schema
    .createTable('sso_seen_assertions')
    .addColumn('connection_id', 'text', (c) => c.notNull())
    .addColumn('assertion_id', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('sso_seen_assertions_pk', ['connection_id', 'assertion_id'])
    .execute();
  await db.schema.createIndex('sso_seen_assertions_expiry').on('sso_seen_assertions').column('expires_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['sso_seen_assertions', 'connector_states', 'linked_identities', 'connections', 'org_domains']) {
    await db.schema.dropTable(t).execute();
  }
  await db.schema.alterTable('memberships').dropColumn('break_glass').execute();
  await db.schema.alterTable('organizations').dropColumn('sso_only_since').dropColumn('sso_only').dropColumn('status').execute();
}
