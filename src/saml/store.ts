/**
 * SQL for the SAML identity provider (the only file of src/saml that writes SQL): service providers,
 * signing certificates, pending requests, remembered message IDs, persistent NameIDs, participants
 * of a session (who got an assertion) and single-logout rounds.
 */
import { randomBytes } from 'node:crypto';
import { sql, type Insertable } from 'kysely';
import type { Db } from '../db/index.js';
import { restrictNewApp } from '../apps/store.js';
import type { SamlCertificateTable, SamlParticipantTable } from '../db/schema.js';

export interface SpRow {
  id: string;
  entity_id: string;
  metadata: string;
  settings: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
}
export interface CertificateRow {
  id: string;
  status: SamlCertificateTable['status'];
  private_key_enc: string;
  certificate: string;
  not_after: Date;
  created_at: Date;
  activated_at: Date | null;
  retired_at: Date | null;
  expires_at: Date | null;
}
export type ParticipantRow = Omit<SamlParticipantTable, 'created_at' | 'expires_at'>;

const live = sql<boolean>`expires_at > now()`;
const later = (seconds: number) => new Date(Date.now() + seconds * 1000);

/** What a certificate rotation does, inside the certificate lock. */
function certificateQueries(db: Db) {
  return {
    statuses: () => db.selectFrom('saml_certificates').select('status').execute(),
    insert: async (row: Insertable<SamlCertificateTable>) => {
      await db.insertInto('saml_certificates').values(row).execute();
    },
    /** Drops expired retired certificates, retires the active one, promotes the next one; returns its id. */
    async rotate(now: Date, retiredSeconds: number): Promise<string> {
      await db.deleteFrom('saml_certificates').where('status', '=', 'retired').where('expires_at', '<', now).execute();
      await db
        .updateTable('saml_certificates')
        .set({ status: 'retired', retired_at: now, expires_at: new Date(now.getTime() + retiredSeconds * 1000) })
        .where('status', '=', 'active')
        .execute();
      const promoted = await db
        .updateTable('saml_certificates')
        .set({ status: 'active', activated_at: now })
        .where('status', '=', 'next')
        .returning('id')
        .executeTakeFirstOrThrow();
      return promoted.id;
    },
  };
}
export type CertificateQueries = ReturnType<typeof certificateQueries>;

export function createSamlStore(db: Db) {
  return {
    // Service providers.
    findSp: (id: string) =>
      db.selectFrom('saml_service_providers').selectAll().where('id', '=', id).executeTakeFirst() as Promise<SpRow | undefined>,
    findSpByEntityId: (entityId: string) =>
      db.selectFrom('saml_service_providers').selectAll().where('entity_id', '=', entityId).executeTakeFirst() as Promise<
        SpRow | undefined
      >,
    listSps: () => db.selectFrom('saml_service_providers').selectAll().orderBy('entity_id').execute() as Promise<SpRow[]>,
    /**
     * Adds or replaces an SP. `restrictTo`: a new SP's app is made for that organization only, in the
     * same transaction as the SP (its app is never open to everyone, not even for a moment); false
     * when an SP with that id exists (then nothing is written).
     */
    async upsertSp(row: { id: string; entity_id: string; metadata: string; settings: Record<string, unknown> }, restrictTo?: string) {
      const values = { ...row, settings: JSON.stringify(row.settings) };
      return db.transaction().execute(async (tx) => {
        const inserted = await tx
          .insertInto('saml_service_providers')
          .values(values)
          .onConflict((oc) =>
            restrictTo
              ? oc.column('id').doNothing()
              : oc.column('id').doUpdateSet({
                  metadata: values.metadata,
                  settings: values.settings,
                  entity_id: values.entity_id,
                  updated_at: new Date(),
                }),
          )
          .returning('id')
          .executeTakeFirst();
        if (!restrictTo) return true;
        // Only a new SP is restricted this way: one registered meanwhile is left alone.
        if (!inserted) return false;
        await restrictNewApp(tx, { spId: row.id }, restrictTo);
        return true;
      });
    },
    async removeSp(id: string) {
      const res = await db.deleteFrom('saml_service_providers').where('id', '=', id).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    },
    /** A fingerprint of the registrations, so every instance notices a change made elsewhere. */
    async spVersion(): Promise<string> {
      const row = await db
        .selectFrom('saml_service_providers')
        .select(sql<string>`coalesce(string_agg(id || ':' || extract(epoch from updated_at)::text, ',' order by id), '')`.as('v'))
        .executeTakeFirstOrThrow();
      return row.v;
    },

    // Signing certificates.
    certificates: (): Promise<CertificateRow[]> => db.selectFrom('saml_certificates').selectAll().orderBy('created_at').execute(),
    async certificateVersion(): Promise<string> {
      const row = await db
        .selectFrom('saml_certificates')
        .select(sql<string>`coalesce(string_agg(id || ':' || status, ',' order by id), '')`.as('v'))
        .executeTakeFirstOrThrow();
      return row.v;
    },
    /** Runs `fn` in a transaction holding the certificate lock (one rotation at a time across instances). */
    certificateTransaction: <T>(fn: (q: CertificateQueries) => Promise<T>) =>
      db.transaction().execute(async (trx) => {
        await sql`select pg_advisory_xact_lock(4242002)`.execute(trx);
        return fn(certificateQueries(trx as unknown as Db));
      }),

    // Requests waiting for the sign-in to finish.
    async savePending(state: string, spId: string, data: Record<string, unknown>, ttlSeconds: number) {
      await db
        .insertInto('saml_pending_requests')
        .values({ state, sp_id: spId, data: JSON.stringify(data), expires_at: later(ttlSeconds) })
        .execute();
    },
    /** Takes a pending request (it works once, and only before it expires). */
    takePending: (state: string) =>
      db.deleteFrom('saml_pending_requests').where('state', '=', state).where(live).returning(['sp_id', 'data']).executeTakeFirst(),

    /**
     * In one statement: remembers the request ID (as rememberMessageId) and, only if it was new,
     * stores the pending request. False when the ID was seen before (a replay; nothing stored).
     */
    async rememberAndSavePending(
      issuer: string,
      messageId: string,
      idTtlSeconds: number,
      p: { state: string; spId: string; data: Record<string, unknown>; ttlSeconds: number },
    ) {
      const res = await sql<{ state: string }>`with seen as (
          insert into saml_seen_ids (issuer, message_id, expires_at) values (${issuer}, ${messageId}, ${later(idTtlSeconds)})
          on conflict (issuer, message_id) do update set expires_at = excluded.expires_at where saml_seen_ids.expires_at < now()
          returning 1)
        insert into saml_pending_requests (state, sp_id, data, expires_at)
        select ${p.state}, ${p.spId}, ${JSON.stringify(p.data)}::jsonb, ${later(p.ttlSeconds)} where exists (select 1 from seen)
        returning state`.execute(db);
      return res.rows.length === 1;
    },

    /** Remembers a message ID until it expires; false when it was seen before (a replay). */
    async rememberMessageId(issuer: string, messageId: string, ttlSeconds: number): Promise<boolean> {
      const expires_at = later(ttlSeconds);
      const row = await db
        .insertInto('saml_seen_ids')
        .values({ issuer, message_id: messageId, expires_at })
        .onConflict((oc) =>
          oc
            .columns(['issuer', 'message_id'])
            .doUpdateSet({ expires_at })
            .where('saml_seen_ids.expires_at', '<', sql<Date>`now()`),
        )
        .returning('message_id')
        .executeTakeFirst();
      return Boolean(row);
    },

    /** The opaque persistent NameID of a person at an SP: random once, then stable (email changes do not touch it). */
    async persistentNameId(userId: string, spId: string): Promise<string> {
      const found = await db
        .selectFrom('saml_subjects')
        .select('name_id')
        .where('user_id', '=', userId)
        .where('sp_id', '=', spId)
        .executeTakeFirst();
      if (found) return found.name_id;
      await db
        .insertInto('saml_subjects')
        .values({ user_id: userId, sp_id: spId, name_id: `wf-${randomBytes(18).toString('base64url')}` })
        .onConflict((oc) => oc.columns(['user_id', 'sp_id']).doNothing())
        .execute();
      const row = await db
        .selectFrom('saml_subjects')
        .select('name_id')
        .where('user_id', '=', userId)
        .where('sp_id', '=', spId)
        .executeTakeFirstOrThrow();
      return row.name_id;
    },

    groupNamesOf: async (userId: string) =>
      (
        await db
          .selectFrom('group_members')
          .innerJoin('groups', 'groups.id', 'group_members.group_id')
          .select('groups.name')
          .where('group_members.user_id', '=', userId)
          .orderBy('groups.name')
          .execute()
      ).map((r) => r.name),

    // Who got an assertion in which session.
    async addParticipant(p: ParticipantRow, ttlSeconds: number) {
      await db
        .insertInto('saml_participants')
        .values({ ...p, expires_at: later(ttlSeconds) })
        .execute();
    },
    participant: (sessionIndex: string) =>
      db.selectFrom('saml_participants').selectAll().where('session_index', '=', sessionIndex).where(live).executeTakeFirst(),
    participantsOfSubject: (spId: string, nameId: string) =>
      db.selectFrom('saml_participants').selectAll().where('sp_id', '=', spId).where('name_id', '=', nameId).where(live).execute(),
    participantsOfSession: (sessionUid: string) =>
      db.selectFrom('saml_participants').selectAll().where('session_uid', '=', sessionUid).where(live).orderBy('created_at').execute(),
    async removeParticipantsOfSession(sessionUid: string) {
      await db.deleteFrom('saml_participants').where('session_uid', '=', sessionUid).execute();
    },

    // Single-logout rounds.
    async saveLogout(id: string, data: Record<string, unknown>, ttlSeconds: number) {
      const values = { id, data: JSON.stringify(data), expires_at: later(ttlSeconds) };
      await db
        .insertInto('saml_logouts')
        .values(values)
        .onConflict((oc) => oc.column('id').doUpdateSet({ data: values.data, expires_at: values.expires_at }))
        .execute();
    },
    takeLogout: (id: string) => db.deleteFrom('saml_logouts').where('id', '=', id).where(live).returning('data').executeTakeFirst(),

    async purgeExpired() {
      for (const table of ['saml_pending_requests', 'saml_seen_ids', 'saml_participants', 'saml_logouts'] as const) {
        await db
          .deleteFrom(table)
          .where('expires_at', '<', sql<Date>`now()`)
          .execute();
      }
    },
  };
}
export type SamlStore = ReturnType<typeof createSamlStore>;
