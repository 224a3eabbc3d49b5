/**
 * SQL for oidc-provider's models and the signing keys. Every adapter lookup has an index
 * (see migrations): (kind, id), (kind, uid), (kind, user_code), grant_id, (account_id, kind), expires_at.
 */
import { CompiledQuery, sql, type Insertable } from 'kysely';
import type { Db } from '../db/index.js';
import type { SigningKeyTable } from '../db/schema.js';

export interface ModelRow {
  payload: Record<string, unknown>;
  consumed_at: Date | null;
}

/**
 * The statements every authorization runs (several per sign-in), written once: building and
 * compiling them with the query builder on each call cost more main-thread CPU than the rest of the
 * adapter (issue 18). Same SQL as the builder made, same parameters.
 */
const LIVE = '(expires_at is null or expires_at > now())';
const FIND_BY = {
  id: `select payload, consumed_at from oidc_models where kind = $1 and id = $2 and ${LIVE}`,
  uid: `select payload, consumed_at from oidc_models where kind = $1 and uid = $2 and ${LIVE}`,
  user_code: `select payload, consumed_at from oidc_models where kind = $1 and user_code = $2 and ${LIVE}`,
} as const;
const UPSERT = `insert into oidc_models (kind, id, payload, grant_id, uid, user_code, account_id, expires_at)
  values ($1, $2, $3, $4, $5, $6, $7, $8)
  on conflict (kind, id) do update set payload = excluded.payload, grant_id = excluded.grant_id, uid = excluded.uid,
    user_code = excluded.user_code, account_id = excluded.account_id, expires_at = excluded.expires_at`;
/** A session's save with where it was last used (sessions.ts), in one statement. */
const UPSERT_WITH_META = `with meta as (insert into session_meta (session_uid, user_id, ip, user_agent) values ($9, $10, $11, $12)
  on conflict (session_uid) do update set last_seen_at = now(), user_id = excluded.user_id,
    ip = coalesce(excluded.ip, session_meta.ip), user_agent = coalesce(excluded.user_agent, session_meta.user_agent))
  ${UPSERT}`;
const CONSUME = `update oidc_models set consumed_at = coalesce(consumed_at, now())
  where kind = $1 and id = $2 and consumed_at is null returning id`;
const CONSUME_WITHIN_GRACE = `update oidc_models set consumed_at = coalesce(consumed_at, now())
  where kind = $1 and id = $2 and (consumed_at is null or consumed_at > now() - make_interval(secs => $3)) returning id`;
/** An interaction with the sign-in journey of the same uid (login_journeys, login/store.ts), in one round trip. */
const FIND_INTERACTION_WITH_JOURNEY = `select m.payload, m.consumed_at, j.state as journey from oidc_models m
  left join login_journeys j on j.uid = m.id and j.expires_at > now()
  where m.kind = 'Interaction' and m.id = $1 and (m.expires_at is null or m.expires_at > now())`;

export function createOidcStore(db: Db) {
  const live = sql<boolean>`(expires_at is null or expires_at > now())`;
  const run = async <R>(text: string, params: unknown[]) => (await db.executeQuery<R>(CompiledQuery.raw(text, params))).rows;
  return {
    /** `meta`: a session's last use, written in the same statement (a save made outside a request knows no IP or browser: kept). */
    async upsert(
      kind: string,
      id: string,
      payload: Record<string, unknown>,
      expiresInSeconds?: number,
      meta?: { session_uid: string; user_id: string; ip: string | null; user_agent: string | null },
    ) {
      const expires_at = expiresInSeconds ? new Date(Date.now() + expiresInSeconds * 1000) : null;
      const withMeta = meta ? [meta.session_uid, meta.user_id, meta.ip, meta.user_agent] : [];
      await run(meta ? UPSERT_WITH_META : UPSERT, [
        kind,
        id,
        JSON.stringify(payload),
        (payload.grantId as string) ?? null,
        (payload.uid as string) ?? null,
        (payload.userCode as string) ?? null,
        (payload.accountId as string) ?? null,
        expires_at,
        ...withMeta,
      ]);
    },

    async find(kind: string, column: 'id' | 'uid' | 'user_code', value: string): Promise<ModelRow | undefined> {
      return (await run<ModelRow>(FIND_BY[column], [kind, value]))[0];
    },

    /** An interaction and its journey's state (null: none, or expired). */
    async findInteractionWithJourney(id: string): Promise<(ModelRow & { journey: Record<string, unknown> | null }) | undefined> {
      return (await run<ModelRow & { journey: Record<string, unknown> | null }>(FIND_INTERACTION_WITH_JOURNEY, [id]))[0];
    },

    /**
     * Marks a row consumed in one conditional statement: true for the one caller that consumed it (or,
     * with `graceSeconds`, for a caller within that many seconds of the first use); false for every other.
     */
    async consume(kind: string, id: string, graceSeconds = 0): Promise<boolean> {
      const rows = graceSeconds > 0 ? await run(CONSUME_WITHIN_GRACE, [kind, id, graceSeconds]) : await run(CONSUME, [kind, id]);
      return rows.length > 0;
    },

    /** The grant a row belongs to, consumed or not (to revoke it when the row is presented again). */
    async grantOf(kind: string, id: string): Promise<string | undefined> {
      const row = await db.selectFrom('oidc_models').select('grant_id').where('kind', '=', kind).where('id', '=', id).executeTakeFirst();
      return row?.grant_id ?? undefined;
    },

    /** Revokes a grant entirely: the Grant itself and every token and code issued under it. */
    async revokeGrant(grantId: string) {
      await db
        .deleteFrom('oidc_models')
        .where((eb) => eb.or([eb('grant_id', '=', grantId), eb.and([eb('kind', '=', 'Grant'), eb('id', '=', grantId)])]))
        .execute();
    },

    async destroy(kind: string, id: string) {
      await db.deleteFrom('oidc_models').where('kind', '=', kind).where('id', '=', id).execute();
    },

    /** Revoking a grant is one indexed statement. */
    async revokeByGrantId(grantId: string) {
      await db.deleteFrom('oidc_models').where('grant_id', '=', grantId).execute();
    },

    /** Everything oidc-provider stored for a person (sessions, grants, tokens) goes in one statement. */
    async destroyAllOf(accountId: string) {
      await db.deleteFrom('oidc_models').where('account_id', '=', accountId).execute();
      await db.deleteFrom('session_meta').where('user_id', '=', accountId).execute();
    },

    /**
     * Everything of a person except one session and the grants (with their tokens) of the apps signed
     * in through it: "sign out of other devices".
     */
    async destroyAllOfExcept(accountId: string, keep: { sessionId: string; sessionUid?: string; grantIds: string[] }) {
      await db
        .deleteFrom('oidc_models')
        .where('account_id', '=', accountId)
        .where((eb) => eb.not(eb.and([eb('kind', '=', 'Session'), eb('id', '=', keep.sessionId)])))
        .where((eb) => (keep.grantIds.length ? eb.or([eb('grant_id', 'is', null), eb('grant_id', 'not in', keep.grantIds)]) : eb.lit(true)))
        .execute();
      let meta = db.deleteFrom('session_meta').where('user_id', '=', accountId);
      if (keep.sessionUid) meta = meta.where('session_uid', '<>', keep.sessionUid);
      await meta.execute();
    },

    async touchSessionMeta(m: { session_uid: string; user_id: string; ip: string | null; user_agent: string | null }) {
      await db
        .insertInto('session_meta')
        .values(m)
        // A save made outside a provider request (My account extending a session) knows no IP or
        // browser: it must not erase the ones recorded at sign-in.
        .onConflict((oc) =>
          oc.column('session_uid').doUpdateSet({
            last_seen_at: new Date(),
            user_id: m.user_id,
            ip: sql<string | null>`coalesce(excluded.ip, session_meta.ip)`,
            user_agent: sql<string | null>`coalesce(excluded.user_agent, session_meta.user_agent)`,
          }),
        )
        .execute();
    },
    sessionMetaOf: (userId: string) => db.selectFrom('session_meta').selectAll().where('user_id', '=', userId).execute(),
    async deleteSessionMeta(sessionUid: string) {
      await db.deleteFrom('session_meta').where('session_uid', '=', sessionUid).execute();
    },

    async sessionsOf(accountId: string) {
      return db
        .selectFrom('oidc_models')
        .select(['id', 'payload', 'expires_at'])
        .where('account_id', '=', accountId)
        .where('kind', '=', 'Session')
        .where(live)
        .execute();
    },

    /** Deletes expired rows, and the device details of sessions gone, in batches so a large backlog never holds a long lock. */
    async purgeExpired(batch = 1000): Promise<number> {
      let total = 0;
      for (;;) {
        const res = await sql`delete from oidc_models where ctid in
          (select ctid from oidc_models where expires_at < now() limit ${batch})`.execute(db);
        const n = Number(res.numAffectedRows ?? 0);
        total += n;
        if (n < batch) break;
      }
      // Device details of sessions that ended or expired (kept an hour: a new session's row may come first).
      for (;;) {
        const res = await sql`delete from session_meta where ctid in (select ctid from session_meta s
          where s.created_at < now() - interval '1 hour'
            and not exists (select 1 from oidc_models m where m.kind = 'Session' and m.uid = s.session_uid)
          limit ${batch})`.execute(db);
        const n = Number(res.numAffectedRows ?? 0);
        total += n;
        if (n < batch) return total;
      }
    },
  };
}
export type OidcStore = ReturnType<typeof createOidcStore>;

/** What a key rotation does, inside the key-set lock. */
function keyQueries(db: Db) {
  return {
    statuses: () => db.selectFrom('signing_keys').select(['alg', 'status']).execute(),
    insert: async (row: Insertable<SigningKeyTable>) => {
      await db.insertInto('signing_keys').values(row).execute();
    },
    /** Drops expired retired keys, retires the active ones, promotes the next ones; returns the promoted kids. */
    async rotate(now: Date, retentionSeconds: number): Promise<string[]> {
      await db.deleteFrom('signing_keys').where('status', '=', 'retired').where('expires_at', '<', now).execute();
      await db
        .updateTable('signing_keys')
        .set({ status: 'retired', retired_at: now, expires_at: new Date(now.getTime() + retentionSeconds * 1000) })
        .where('status', '=', 'active')
        .execute();
      const promoted = await db
        .updateTable('signing_keys')
        .set({ status: 'active', activated_at: now })
        .where('status', '=', 'next')
        .returning('kid')
        .execute();
      return promoted.map((r) => r.kid);
    },
  };
}
export type KeyQueries = ReturnType<typeof keyQueries>;

export function createKeyStore(db: Db) {
  return {
    all: () => db.selectFrom('signing_keys').selectAll().orderBy('created_at').execute(),
    /** A fingerprint of the key set; instances reload their keys when it changes. */
    async version(): Promise<string> {
      const row = await db
        .selectFrom('signing_keys')
        .select(sql<string>`coalesce(string_agg(kid || ':' || status, ',' order by kid), '')`.as('v'))
        .executeTakeFirstOrThrow();
      return row.v;
    },
    /** Runs `fn` in a transaction holding the key-set lock (one rotation at a time across instances). */
    transaction: <T>(fn: (q: KeyQueries) => Promise<T>) =>
      db.transaction().execute(async (trx) => {
        await sql`select pg_advisory_xact_lock(4242001)`.execute(trx);
        return fn(keyQueries(trx as unknown as Db));
      }),
  };
}
export type KeyStore = ReturnType<typeof createKeyStore>;
