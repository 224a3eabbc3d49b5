/**
 * Provisioning-error notification: an address (and the language of its mail) per organization, and
 * one row per organization of its current run of failing SCIM requests: how many in a row, the last
 * few errors (status, scimType, method, path, time: never a token or a person's data) and when the
 * last mail went out. The state is in the database so that several instances count one run and send
 * one mail. Plus the index that serves SCIM's `sortBy=userName` (src/provisioning/sort-store.ts) as an
 * index scan: its expression must stay the one the sort compiles to.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('organizations').addColumn('provisioning_notify_email', 'text').execute();
  await db.schema.alterTable('organizations').addColumn('provisioning_notify_lang', 'text').execute();
  await db.schema
    .createTable('scim_failures')
    .addColumn('org_id', 'text', (c) => c.primaryKey().references('organizations.id').onDelete('cascade'))
    .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
    // Newest first, at most the notification threshold of them: [{ status, scimType, method, path, at }].
    .addColumn('last_errors', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('notified_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create index scim_users_sort_user_name on scim_users (org_id, (nullif(lower(user_name), '') collate "C"), user_id)
    where deleted_at is null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('scim_users_sort_user_name').execute();
  await db.schema.dropTable('scim_failures').execute();
  await db.schema.alterTable('organizations').dropColumn('provisioning_notify_lang').execute();
  await db.schema.alterTable('organizations').dropColumn('provisioning_notify_email').execute();
}
