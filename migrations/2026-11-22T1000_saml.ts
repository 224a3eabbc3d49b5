/**
 * SAML identity provider: registered service providers, the signing certificates (private keys
 * sealed), requests waiting for the sign-in to finish, request IDs remembered against replay, the
 * opaque persistent NameIDs, which SPs got assertions in which session, and single-logout rounds.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('saml_service_providers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('entity_id', 'text', (c) => c.notNull().unique())
    .addColumn('metadata', 'text', (c) => c.notNull())
    .addColumn('settings', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('saml_certificates')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('next', 'active', 'retired')`))
    .addColumn('private_key_enc', 'text', (c) => c.notNull())
    .addColumn('certificate', 'text', (c) => c.notNull())
    .addColumn('not_after', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('activated_at', 'timestamptz')
    .addColumn('retired_at', 'timestamptz')
    .addColumn('expires_at', 'timestamptz')
    .execute();

  await db.schema
    .createTable('saml_pending_requests')
    .addColumn('state', 'text', (c) => c.primaryKey())
    .addColumn('sp_id', 'text', (c) => c.notNull().references('saml_service_providers.id').onDelete('cascade'))
    .addColumn('data', 'jsonb', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('saml_pending_requests_expiry').on('saml_pending_requests').column('expires_at').execute();

  await db.schema
    .createTable('saml_seen_ids')
    .addColumn('issuer', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('saml_seen_ids_pk', ['issuer', 'message_id'])
    .execute();
  await db.schema.createIndex('saml_seen_ids_expiry').on('saml_seen_ids').column('expires_at').execute();

  await db.schema
    .createTable('saml_subjects')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('sp_id', 'text', (c) => c.notNull())
    .addColumn('name_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('saml_subjects_pk', ['user_id', 'sp_id'])
    .execute();

  await db.schema
    .createTable('saml_participants')
    .addColumn('session_index', 'text', (c) => c.primaryKey())
    .addColumn('session_uid', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('sp_id', 'text', (c) => c.notNull().references('saml_service_providers.id').onDelete('cascade'))
    .addColumn('name_id', 'text', (c) => c.notNull())
    .addColumn('name_id_format', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('saml_participants_session').on('saml_participants').column('session_uid').execute();
  await db.schema.createIndex('saml_participants_expiry').on('saml_participants').column('expires_at').execute();

  await db.schema
    .createTable('saml_logouts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('data', 'jsonb', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('saml_logouts_expiry').on('saml_logouts').column('expires_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'saml_logouts',
    'saml_participants',
    'saml_subjects',
    'saml_seen_ids',
    'saml_pending_requests',
    'saml_certificates',
    'saml_service_providers',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
