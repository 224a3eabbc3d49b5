/**
 * Device sign-in and ad hoc support pairing:
 * - device_polls: when each device code was last polled and the interval it must keep (RFC 8628
 *   slow_down), keyed by a hash of the code; rows expire with their code;
 * - support_sessions: a technician's one-off pairing with a customer's computer, from the security
 *   code (stored hashed, single use) to its end; `ends_at` is 24 hours after activation;
 * - org_support_limits: an organization's own cap on active sessions (default in configuration);
 * - memberships gain the `support` role (technicians).
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('device_polls')
    .addColumn('code_hash', 'text', (c) => c.primaryKey())
    .addColumn('interval_seconds', 'integer', (c) => c.notNull())
    .addColumn('last_poll_at', 'timestamptz', (c) => c.notNull())
    .addColumn('too_fast', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('support_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('technician_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('customer_email', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('code_hash', 'text', (c) => c.notNull().unique())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'active', 'ended')`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('code_expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('activated_at', 'timestamptz')
    .addColumn('ends_at', 'timestamptz')
    .addColumn('ended_at', 'timestamptz')
    .addColumn('ended_by', 'text')
    .addColumn('device_key', 'jsonb')
    .addColumn('activation_ip', 'text')
    .execute();
  await db.schema.createIndex('support_sessions_org_open').on('support_sessions').columns(['org_id', 'status']).execute();
  await db.schema.createIndex('support_sessions_technician_open').on('support_sessions').columns(['technician_id', 'status']).execute();

  await db.schema
    .createTable('org_support_limits')
    .addColumn('org_id', 'text', (c) => c.primaryKey().references('organizations.id').onDelete('cascade'))
    .addColumn('session_limit', 'integer', (c) => c.notNull().check(sql`session_limit between 1 and 1000`))
    .execute();

  await sql`alter table memberships drop constraint if exists memberships_role_check`.execute(db);
  await sql`alter table memberships add constraint memberships_role_check check (role in ('member', 'admin', 'support'))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table memberships drop constraint if exists memberships_role_check`.execute(db);
  await sql`alter table memberships add constraint memberships_role_check check (role in ('member', 'admin'))`.execute(db);
  await db.schema.dropTable('org_support_limits').execute();
  await db.schema.dropTable('support_sessions').execute();
  await db.schema.dropTable('device_polls').execute();
}
