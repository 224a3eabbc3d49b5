/**
 * Branding: one row per scope (the deployment, an organization, an app), with the settings as JSON
 * and an uploaded logo or favicon as bytes (served by Wayfinder; checked image types only).
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('branding')
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('scope_id', 'text', (c) => c.notNull())
    .addColumn('settings', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('logo', 'bytea')
    .addColumn('logo_type', 'text')
    .addColumn('favicon', 'bytea')
    .addColumn('favicon_type', 'text')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('branding_pk', ['scope', 'scope_id'])
    .addCheckConstraint('branding_scope', sql`scope in ('deployment', 'org', 'client')`)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('branding').execute();
}
