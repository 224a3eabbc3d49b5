/** SQL for factor challenges: emailed and texted codes, push requests, pairings, passkey ceremonies. */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../db/index.js';

export function createChallengeStore(db: Db) {
  return {
    async insertChallenge(c: {
      user_id: string;
      kind: string;
      factor_id?: string | null;
      data: Record<string, unknown>;
      ttlSeconds: number;
    }) {
      const id = randomUUID();
      await db
        .insertInto('factor_challenges')
        .values({
          id,
          user_id: c.user_id,
          kind: c.kind,
          factor_id: c.factor_id ?? null,
          data: JSON.stringify(c.data),
          expires_at: new Date(Date.now() + c.ttlSeconds * 1000),
        })
        .execute();
      return id;
    },
    latestChallenge: (userId: string, kind: string) =>
      db
        .selectFrom('factor_challenges')
        .selectAll()
        .where('user_id', '=', userId)
        .where('kind', '=', kind)
        .where('status', '=', 'pending')
        .orderBy('created_at', 'desc')
        .limit(1)
        .executeTakeFirst(),
    /** The live code of a kind that this sign-in asked for ('' : not a sign-in, e.g. My account): pending and unexpired. */
    pendingCode: (userId: string, kind: string, signIn: string) =>
      db
        .selectFrom('factor_challenges')
        .selectAll()
        .where('user_id', '=', userId)
        .where('kind', '=', kind)
        .where('status', '=', 'pending')
        .where('expires_at', '>', sql<Date>`now()`)
        .where(sql`coalesce(data->>'signIn', '')`, '=', signIn)
        .orderBy('created_at', 'desc')
        .limit(1)
        .executeTakeFirst(),
    /** Expires the pending codes of a kind that this sign-in asked for (a new one replaces them). */
    async expireCodes(userId: string, kind: string, signIn: string) {
      await db
        .updateTable('factor_challenges')
        .set({ status: 'expired' })
        .where('user_id', '=', userId)
        .where('kind', '=', kind)
        .where('status', '=', 'pending')
        .where(sql`coalesce(data->>'signIn', '')`, '=', signIn)
        .execute();
    },
    findChallenge: (id: string) => db.selectFrom('factor_challenges').selectAll().where('id', '=', id).executeTakeFirst(),
    countChallengesSince: async (userId: string, kind: string, since: Date) =>
      Number(
        (
          await db
            .selectFrom('factor_challenges')
            .select(sql<number>`count(*)`.as('n'))
            .where('user_id', '=', userId)
            .where('kind', '=', kind)
            .where('created_at', '>', since)
            .executeTakeFirst()
        )?.n ?? 0,
      ),
    /** Challenges of a kind created since a time: for one person, one value in their data (an SMS number's hash), or everyone. */
    countChallenges: async (f: { kind: string; since: Date; userId?: string; data?: { key: string; value: string } }) =>
      Number(
        (
          await db
            .selectFrom('factor_challenges')
            .select(sql<number>`count(*)`.as('n'))
            .where('kind', '=', f.kind)
            .where('created_at', '>', f.since)
            .$if(!!f.userId, (q) => q.where('user_id', '=', f.userId!))
            .$if(!!f.data, (q) => q.where(sql`data->>${f.data!.key}`, '=', f.data!.value))
            .executeTakeFirst()
        )?.n ?? 0,
      ),
    /** The confirmed WebAuthn credential with this id, whoever owns it (passkey sign-in starts from the credential). */
    /** Counts a wrong answer; returns the attempts made so far. */
    async failChallenge(id: string) {
      const row = await db
        .updateTable('factor_challenges')
        .set({ attempts: sql`attempts + 1` })
        .where('id', '=', id)
        .returning('attempts')
        .executeTakeFirst();
      return row?.attempts ?? 0;
    },
    async setChallengeStatus(id: string, status: 'approved' | 'denied' | 'used' | 'expired', fromStatus = 'pending') {
      const res = await db
        .updateTable('factor_challenges')
        .set({ status })
        .where('id', '=', id)
        .where('status', '=', fromStatus)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },
    async expireChallenges(userId: string, kind: string) {
      await db
        .updateTable('factor_challenges')
        .set({ status: 'expired' })
        .where('user_id', '=', userId)
        .where('kind', '=', kind)
        .where('status', '=', 'pending')
        .execute();
    },

    /** Removes challenges (codes, push requests, pairings) a day after they expired. */
    async purgeChallenges() {
      await db
        .deleteFrom('factor_challenges')
        .where('expires_at', '<', new Date(Date.now() - 86400e3))
        .execute();
      await db.deleteFrom('trusted_devices').where('expires_at', '<', new Date()).execute();
    },
  };
}
