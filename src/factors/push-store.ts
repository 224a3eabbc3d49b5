/**
 * SQL of push approval. Pairing tokens and sign-in challenges are factor_challenges rows (kinds
 * 'push_pairing' and 'push'); paired devices are user_factors rows of kind 'push'. Rules:
 * - everything lives in Postgres, so any instance can serve the page, the long-poll or the answer;
 * - a pairing token is stored only as its hash, which is the row id (looked up by primary key);
 * - creating a sign-in challenge takes a per-person advisory lock, so "not while one is pending" and
 *   "at most N per window" hold when several instances (or tabs) ask at once;
 * - every state change is one conditional UPDATE (pending → approved/denied/expired, approved →
 *   used): a challenge is answered once and consumed once.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../db/index.js';

export interface ChallengeRow {
  id: string;
  user_id: string;
  kind: string;
  factor_id: string | null;
  data: Record<string, unknown>;
  attempts: number;
  status: string;
  expires_at: Date;
  created_at: Date;
}

/** How long after its expiry an approved challenge may still be picked up by the page that polls. */
const PICKUP_GRACE_MS = 30_000;

export function createPushStore(db: Db) {
  const challenges = () => db.selectFrom('factor_challenges').selectAll();
  const patch = (data: Record<string, unknown>) => sql<string>`data || ${JSON.stringify(data)}::jsonb`;

  return {
    async insertPairing(p: { id: string; userId: string; data: Record<string, unknown>; ttlSeconds: number }) {
      await db
        .updateTable('factor_challenges')
        .set({ status: 'expired' })
        .where('user_id', '=', p.userId)
        .where('kind', '=', 'push_pairing')
        .where('status', '=', 'pending')
        .execute();
      await db
        .insertInto('factor_challenges')
        .values({
          id: p.id,
          user_id: p.userId,
          kind: 'push_pairing',
          data: JSON.stringify(p.data),
          expires_at: new Date(Date.now() + p.ttlSeconds * 1000),
        })
        .execute();
    },
    latestPairing: (userId: string, since: Date): Promise<ChallengeRow | undefined> =>
      challenges()
        .where('user_id', '=', userId)
        .where('kind', '=', 'push_pairing')
        .where('created_at', '>', since)
        .orderBy('created_at', 'desc')
        .limit(1)
        .executeTakeFirst(),
    pairing: (id: string): Promise<ChallengeRow | undefined> =>
      challenges().where('id', '=', id).where('kind', '=', 'push_pairing').executeTakeFirst(),
    /** Uses a pairing token and records the device it paired; false when used already or expired. */
    async usePairing(id: string, deviceId: string) {
      const res = await db
        .updateTable('factor_challenges')
        .set({ status: 'used', factor_id: deviceId })
        .where('id', '=', id)
        .where('kind', '=', 'push_pairing')
        .where('status', '=', 'pending')
        .where('expires_at', '>', new Date())
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },
    async cancelPairing(id: string) {
      await db.updateTable('factor_challenges').set({ status: 'expired' }).where('id', '=', id).execute();
    },
    async insertDevice(d: { id: string; userId: string; name: string; data: Record<string, unknown> }) {
      await db
        .insertInto('user_factors')
        .values({ id: d.id, user_id: d.userId, kind: 'push', label: d.name, data: JSON.stringify(d.data) })
        .execute();
    },
    device: (deviceId: string) =>
      db.selectFrom('user_factors').selectAll().where('id', '=', deviceId).where('kind', '=', 'push').executeTakeFirst(),
    async touchDevice(deviceId: string) {
      await db.updateTable('user_factors').set({ last_used_at: new Date() }).where('id', '=', deviceId).execute();
    },

    /** Stores a sign-in challenge unless one is pending for the person or `max` were made in the window. */
    async createChallenge(c: {
      userId: string;
      data: Record<string, unknown>;
      ttlSeconds: number;
      max: number;
      windowSeconds: number;
    }): Promise<{ id: string; expiresAt: Date } | { refused: 'pending' | 'rate' }> {
      return db.transaction().execute(async (trx) => {
        await sql`select pg_advisory_xact_lock(hashtext(${`wayfinder-push:${c.userId}`}))`.execute(trx);
        const now = new Date();
        const pending = await trx
          .selectFrom('factor_challenges')
          .select('id')
          .where('user_id', '=', c.userId)
          .where('kind', '=', 'push')
          .where('status', '=', 'pending')
          .where('expires_at', '>', now)
          .executeTakeFirst();
        if (pending) return { refused: 'pending' as const };
        const since = new Date(now.getTime() - c.windowSeconds * 1000);
        const recent = await trx
          .selectFrom('factor_challenges')
          .select(sql<number>`count(*)`.as('n'))
          .where('user_id', '=', c.userId)
          .where('kind', '=', 'push')
          .where('created_at', '>', since)
          .executeTakeFirst();
        if (Number(recent?.n ?? 0) >= c.max) return { refused: 'rate' as const };
        const id = randomUUID();
        const expiresAt = new Date(now.getTime() + c.ttlSeconds * 1000);
        await trx
          .insertInto('factor_challenges')
          .values({ id, user_id: c.userId, kind: 'push', data: JSON.stringify(c.data), expires_at: expiresAt, created_at: now })
          .execute();
        return { id, expiresAt };
      });
    },
    /** Why a new challenge would be refused right now, if it would. */
    async sendBlocked(userId: string, max: number, windowSeconds: number): Promise<'pending' | 'rate' | undefined> {
      const now = new Date();
      const rows = await db
        .selectFrom('factor_challenges')
        .select(['status', 'expires_at'])
        .where('user_id', '=', userId)
        .where('kind', '=', 'push')
        .where('created_at', '>', new Date(now.getTime() - windowSeconds * 1000))
        .execute();
      if (rows.some((r) => r.status === 'pending' && r.expires_at > now)) return 'pending';
      return rows.length >= max ? 'rate' : undefined;
    },
    /** The latest sign-in challenge made for one interaction. */
    latestChallenge: (userId: string, interaction: string): Promise<ChallengeRow | undefined> =>
      challenges()
        .where('user_id', '=', userId)
        .where('kind', '=', 'push')
        .where(sql<boolean>`data->>'interaction' = ${interaction}`)
        .orderBy('created_at', 'desc')
        .limit(1)
        .executeTakeFirst(),
    challenge: (id: string): Promise<ChallengeRow | undefined> =>
      challenges().where('id', '=', id).where('kind', '=', 'push').executeTakeFirst(),
    /** The oldest unexpired pending challenge addressed to a device. */
    pendingForDevice: (userId: string, deviceId: string): Promise<ChallengeRow | undefined> =>
      challenges()
        .where('user_id', '=', userId)
        .where('kind', '=', 'push')
        .where('status', '=', 'pending')
        .where('expires_at', '>', new Date())
        .where(sql<boolean>`data->'devices' @> jsonb_build_array(${deviceId}::text)`)
        .orderBy('created_at')
        .limit(1)
        .executeTakeFirst(),
    /** Answers a pending, unexpired challenge; false when it was answered already or has expired. */
    async settle(id: string, status: 'approved' | 'denied', data: Record<string, unknown>) {
      const res = await db
        .updateTable('factor_challenges')
        .set({ status, data: patch(data) })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .where('expires_at', '>', new Date())
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },
    /** Marks a pending challenge whose time is up as expired; false when something else happened to it first. */
    async expire(id: string) {
      const res = await db
        .updateTable('factor_challenges')
        .set({ status: 'expired' })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .where('expires_at', '<=', new Date())
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },
    /** Consumes an approval once, shortly after it was given. */
    async consume(id: string) {
      const res = await db
        .updateTable('factor_challenges')
        .set({ status: 'used' })
        .where('id', '=', id)
        .where('status', '=', 'approved')
        .where('expires_at', '>', new Date(Date.now() - PICKUP_GRACE_MS))
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },
  };
}
export type PushStore = ReturnType<typeof createPushStore>;
