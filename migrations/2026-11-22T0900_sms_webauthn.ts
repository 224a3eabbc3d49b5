/**
 * SMS and WebAuthn factors: a WebAuthn credential id belongs to one record only (passkey sign-in
 * looks it up across every person), and SMS sends are counted per number and across everyone (rate
 * limits against SMS pumping) without scanning the whole challenge table.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create unique index user_factors_webauthn_credential on user_factors ((data->>'credentialId')) where kind = 'webauthn'`.execute(
    db,
  );
  await sql`create index factor_challenges_kind on factor_challenges (kind, created_at)`.execute(db);
  await sql`create index factor_challenges_sms_to on factor_challenges ((data->>'toHash'), created_at) where kind = 'sms'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const name of ['factor_challenges_sms_to', 'factor_challenges_kind', 'user_factors_webauthn_credential']) {
    await sql`drop index if exists ${sql.id(name)}`.execute(db);
  }
}
