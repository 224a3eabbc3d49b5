/**
 * More of the admin layer: one soft delete for every person (users.deleted_at: set by an
 * administrator's delete and by SCIM DELETE alike, purged after the retention period), and session
 * lengths an organization may shorten (max session hours without "Stay signed in", and the days
 * "Stay signed in" lasts), both bounded by the deployment's configuration.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').addColumn('deleted_at', 'timestamptz').execute();
  // People deleted over SCIM before this migration were soft-deleted in scim_users only.
  await sql`update users set deleted_at = s.deleted_at from scim_users s where s.user_id = users.id and s.deleted_at is not null`.execute(
    db,
  );
  await sql`create index users_deleted_at on users (deleted_at) where deleted_at is not null`.execute(db);
  await db.schema
    .alterTable('organizations')
    .addColumn('session_max_hours', 'integer', (c) => c.check(sql`session_max_hours between 1 and 8760`))
    .execute();
  await db.schema
    .alterTable('organizations')
    .addColumn('session_remember_days', 'integer', (c) => c.check(sql`session_remember_days between 1 and 365`))
    .execute();
  await db.schema.alterTable('organizations').addColumn('session_policy_changed_at', 'timestamptz').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('organizations').dropColumn('session_policy_changed_at').execute();
  await db.schema.alterTable('organizations').dropColumn('session_remember_days').execute();
  await db.schema.alterTable('organizations').dropColumn('session_max_hours').execute();
  await sql`drop index if exists users_deleted_at`.execute(db);
  await db.schema.alterTable('users').dropColumn('deleted_at').execute();
}
