/**
 * Social sign-in: connections to social providers (Google, Microsoft, Apple, Facebook, LinkedIn, any
 * OpenID Connect issuer), which belong to no organization; identities linked on (connection,
 * provider subject); and sign-ins waiting for the provider's answer (single use, expiring).
 * Kept apart from company connections (whose rows always belong to an organization, have a test
 * sign-in and SAML metadata) so neither category's invariants loosen for the other.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('social_connections')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('provider', 'text', (c) =>
      c.notNull().check(sql`provider in ('google', 'microsoft', 'apple', 'facebook', 'linkedin', 'oidc')`),
    )
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('enabled', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('settings', 'jsonb', (c) => c.notNull())
    .addColumn('secret_enc', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('social_links')
    .addColumn('connection_id', 'text', (c) => c.notNull().references('social_connections.id').onDelete('cascade'))
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    /** What the provider said when the link was made (shown in My account; Apple sends the name only once). */
    .addColumn('email', 'text')
    .addColumn('name', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_used_at', 'timestamptz')
    .addPrimaryKeyConstraint('social_links_pk', ['connection_id', 'subject'])
    .execute();
  await db.schema.createIndex('social_links_user').on('social_links').column('user_id').execute();

  await db.schema
    .createTable('social_states')
    .addColumn('state', 'text', (c) => c.primaryKey())
    .addColumn('connection_id', 'text', (c) => c.notNull().references('social_connections.id').onDelete('cascade'))
    .addColumn('data', 'jsonb', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('social_states_expiry').on('social_states').column('expires_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['social_states', 'social_links', 'social_connections']) await db.schema.dropTable(t).execute();
}
