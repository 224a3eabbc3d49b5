/**
 * My account: an email change is an emailed single-use link like the others (action_tokens), which
 * must remember the address it confirms.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('action_tokens').addColumn('new_email', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('action_tokens').dropColumn('new_email').execute();
}
