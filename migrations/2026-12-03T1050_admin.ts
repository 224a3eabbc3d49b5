/**
 * The admin API: clients allowed to administer (an organization, or everything as an operator), and
 * audit events that say which organization and which actor (a person or a client) they concern, so
 * an organization's administrators read their own log through an index.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('admin_clients')
    .addColumn('client_id', 'text', (c) => c.primaryKey().references('oidc_clients.client_id').onDelete('cascade'))
    .addColumn('org_id', 'text', (c) => c.references('organizations.id').onDelete('cascade'))
    .addColumn('operator', 'boolean', (c) => c.notNull().defaultTo(false))
    .addCheckConstraint('admin_clients_scope', sql`(org_id is null) = operator`)
    .execute();
  await db.schema.alterTable('audit_events').addColumn('org_id', 'text').execute();
  await db.schema.alterTable('audit_events').addColumn('actor', 'text').execute();
  // Prefix search of an organization's people by email or name (LIKE 'abc%' needs pattern ops).
  await sql`create index users_email_prefix on users (email_norm text_pattern_ops)`.execute(db);
  await sql`create index users_name_prefix on users (lower(coalesce(name, '')) text_pattern_ops)`.execute(db);
  await db.schema.createIndex('audit_events_org').on('audit_events').columns(['org_id', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('audit_events_org').execute();
  await db.schema.dropIndex('users_name_prefix').execute();
  await db.schema.dropIndex('users_email_prefix').execute();
  await db.schema.alterTable('audit_events').dropColumn('actor').execute();
  await db.schema.alterTable('audit_events').dropColumn('org_id').execute();
  await db.schema.dropTable('admin_clients').execute();
}
