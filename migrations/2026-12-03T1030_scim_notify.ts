/**
 * Provisioning-error notification: an address (and the language of its mail) per organization, and
 * one row per organization of its current run of failing SCIM requests: how many in a row, the last
 * few errors (status, scimType, method, path, time: never a token or a person's data) and when the
 * last mail went out. The state is in the database so that several instances count one run and send
 * one mail.
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
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('scim_failures').execute();
  await db.schema.alterTable('organizations').dropColumn('provisioning_notify_lang').execute();
  await db.schema.alterTable('organizations').dropColumn('provisioning_notify_email').execute();
}
