/**
 * What the bootstrap file last applied, per entry (a person, an app, an organization's members, its
 * two-step policy…): a keyed digest of the entry as applied and the notes it produced. An entry whose
 * digest is unchanged is not applied again, so a restart does not undo what administrators changed.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('bootstrap_applied')
    .addColumn('entry', 'text', (c) => c.primaryKey())
    .addColumn('digest', 'text', (c) => c.notNull())
    .addColumn('notes', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('applied_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('bootstrap_applied').execute();
}
