/** SQL for second factors, recovery codes, challenges, trusted devices and two-step policies. */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../db/index.js';

export interface FactorRow {
  id: string;
  user_id: string;
  kind: string;
  label: string | null;
  secret_enc: string | null;
  data: Record<string, unknown>;
  confirmed_at: Date | null;
  created_at: Date;
  last_used_at: Date | null;
}

export function createFactorStore(db: Db) {
  return {
    factorsOf: (userId: string): Promise<FactorRow[]> =>
      db.selectFrom('user_factors').selectAll().where('user_id', '=', userId).orderBy('created_at').execute(),
    async insertFactor(f: {
      user_id: string;
      kind: string;
      label?: string | null;
      secret_enc?: string | null;
      data?: Record<string, unknown>;
      confirmed?: boolean;
    }) {
      const id = randomUUID();
      await db
        .insertInto('user_factors')
        .values({
          id,
          user_id: f.user_id,
          kind: f.kind,
          label: f.label ?? null,
          secret_enc: f.secret_enc ?? null,
          data: JSON.stringify(f.data ?? {}),
          confirmed_at: f.confirmed ? new Date() : null,
        })
        .execute();
      return id;
    },
    async confirmFactor(id: string, patch: { data?: Record<string, unknown>; label?: string | null } = {}) {
      await db
        .updateTable('user_factors')
        .set({
          confirmed_at: new Date(),
          ...(patch.data ? { data: JSON.stringify(patch.data) } : {}),
          ...(patch.label !== undefined ? { label: patch.label } : {}),
        })
        .where('id', '=', id)
        .execute();
    },
    async updateFactorData(id: string, data: Record<string, unknown>) {
      await db
        .updateTable('user_factors')
        .set({ data: JSON.stringify(data), last_used_at: new Date() })
        .where('id', '=', id)
        .execute();
    },
    /** Moves a TOTP factor's last accepted time step forward; false when the step was already used (replay). */
    async advanceTotpStep(id: string, step: number): Promise<boolean> {
      const res = await db
        .updateTable('user_factors')
        .set({ data: sql`jsonb_set(data, '{lastStep}', to_jsonb(${step}::bigint))`, last_used_at: new Date() })
        .where('id', '=', id)
        .where(sql<boolean>`coalesce((data->>'lastStep')::bigint, -1) < ${step}`)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },
    async deleteFactor(userId: string, id: string) {
      const res = await db.deleteFrom('user_factors').where('user_id', '=', userId).where('id', '=', id).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    },
    async deleteUnconfirmed(userId: string, kind: string) {
      await db
        .deleteFrom('user_factors')
        .where('user_id', '=', userId)
        .where('kind', '=', kind)
        .where('confirmed_at', 'is', null)
        .execute();
    },
    /**
     * Removes the factors a policy change invalidates (recovery codes stay), forgets the people's trusted
     * devices (a device trusted for a factor that no longer exists must not skip the re-enrolment) and
     * flags re-enrolment.
     */
    async resetEnrolments(userIds: string[]) {
      if (!userIds.length) return;
      await db.deleteFrom('user_factors').where('user_id', 'in', userIds).execute();
      await db.deleteFrom('trusted_devices').where('user_id', 'in', userIds).execute();
      await db.updateTable('users').set({ mfa_reenrol: true }).where('id', 'in', userIds).execute();
    },
    async clearReenrol(userId: string) {
      await db.updateTable('users').set({ mfa_reenrol: false }).where('id', '=', userId).execute();
    },
    needsReenrol: async (userId: string) =>
      (await db.selectFrom('users').select('mfa_reenrol').where('id', '=', userId).executeTakeFirst())?.mfa_reenrol ?? false,

    async replaceRecoveryCodes(userId: string, hashes: string[]) {
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
        await trx
          .insertInto('recovery_codes')
          .values(hashes.map((code_hash) => ({ user_id: userId, code_hash })))
          .execute();
      });
    },
    /** Uses a recovery code atomically: each works once. */
    async useRecoveryCode(userId: string, hash: string) {
      const res = await db
        .updateTable('recovery_codes')
        .set({ used_at: new Date() })
        .where('user_id', '=', userId)
        .where('code_hash', '=', hash)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },
    recoveryCodesLeft: async (userId: string) =>
      Number(
        (
          await db
            .selectFrom('recovery_codes')
            .select(sql<number>`count(*)`.as('n'))
            .where('user_id', '=', userId)
            .where('used_at', 'is', null)
            .executeTakeFirst()
        )?.n ?? 0,
      ),

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
    findWebauthnCredential: (credentialId: string) =>
      db
        .selectFrom('user_factors')
        .selectAll()
        .where('kind', '=', 'webauthn')
        .where('confirmed_at', 'is not', null)
        .where(sql`data->>'credentialId'`, '=', credentialId)
        .executeTakeFirst() as Promise<FactorRow | undefined>,
    /**
     * Moves a WebAuthn credential's signature counter forward, atomically; false when the counter did
     * not increase (a cloned authenticator or a replay). Authenticators that always report 0 stay at 0.
     */
    async advanceWebauthnCounter(id: string, counter: number): Promise<boolean> {
      const res = await db
        .updateTable('user_factors')
        .set({ data: sql`jsonb_set(data, '{counter}', to_jsonb(${counter}::bigint))`, last_used_at: new Date() })
        .where('id', '=', id)
        .where(
          sql<boolean>`coalesce((data->>'counter')::bigint, 0) < ${counter}::bigint or (${counter}::bigint = 0 and coalesce((data->>'counter')::bigint, 0) = 0)`,
        )
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },
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

    async insertTrustedDevice(d: { user_id: string; token_hash: string; user_agent: string | null; ip: string | null; days: number }) {
      await db
        .insertInto('trusted_devices')
        .values({
          id: randomUUID(),
          user_id: d.user_id,
          token_hash: d.token_hash,
          user_agent: d.user_agent,
          ip: d.ip,
          expires_at: new Date(Date.now() + d.days * 86400e3),
        })
        .execute();
    },
    findTrustedDevice: (tokenHash: string) =>
      db
        .selectFrom('trusted_devices')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .where('expires_at', '>', sql<Date>`now()`)
        .executeTakeFirst(),
    trustedDevicesOf: (userId: string) =>
      db
        .selectFrom('trusted_devices')
        .selectAll()
        .where('user_id', '=', userId)
        .where('expires_at', '>', sql<Date>`now()`)
        .orderBy('created_at', 'desc')
        .execute(),
    async revokeTrustedDevice(userId: string, id: string) {
      await db.deleteFrom('trusted_devices').where('user_id', '=', userId).where('id', '=', id).execute();
    },
    async revokeAllTrustedDevices(userId: string) {
      await db.deleteFrom('trusted_devices').where('user_id', '=', userId).execute();
    },

    /** The two-step policies that cover a person: from every organization they belong to. */
    policiesFor: (userId: string) =>
      db
        .selectFrom('mfa_policies')
        .innerJoin('memberships', 'memberships.org_id', 'mfa_policies.org_id')
        .select([
          'mfa_policies.org_id',
          'mfa_policies.required',
          'mfa_policies.group_names',
          'mfa_policies.primary_method',
          'mfa_policies.trusted_device_days',
          'memberships.role',
        ])
        .where('memberships.user_id', '=', userId)
        .execute(),
    groupNamesOf: async (userId: string, orgId: string) =>
      (
        await db
          .selectFrom('group_members')
          .innerJoin('groups', 'groups.id', 'group_members.group_id')
          .select('groups.name')
          .where('group_members.user_id', '=', userId)
          .where('groups.org_id', '=', orgId)
          .execute()
      ).map((r) => r.name),
    /** The policy stamp of a person: when a two-step policy of one of their organizations changed, or they joined one. */
    policyStamp: async (userId: string): Promise<Date | undefined> => {
      const row = await db
        .selectFrom('memberships')
        .leftJoin('mfa_policies', 'mfa_policies.org_id', 'memberships.org_id')
        .select(sql<Date | null>`max(greatest(memberships.created_at, mfa_policies.updated_at))`.as('stamp'))
        .where('memberships.user_id', '=', userId)
        .executeTakeFirst();
      return row?.stamp ? new Date(row.stamp) : undefined;
    },
    policyOf: (orgId: string) => db.selectFrom('mfa_policies').selectAll().where('org_id', '=', orgId).executeTakeFirst(),
    async upsertPolicy(p: {
      org_id: string;
      required: 'off' | 'all' | 'groups';
      group_names: string[];
      primary_method: string;
      trusted_device_days: number;
    }) {
      const values = { ...p, group_names: JSON.stringify(p.group_names), updated_at: new Date() };
      await db
        .insertInto('mfa_policies')
        .values(values)
        .onConflict((oc) =>
          oc
            .column('org_id')
            .doUpdateSet({
              required: p.required,
              group_names: values.group_names,
              primary_method: p.primary_method,
              trusted_device_days: p.trusted_device_days,
              updated_at: values.updated_at,
            }),
        )
        .execute();
    },
    membersOf: async (orgId: string) =>
      (await db.selectFrom('memberships').select('user_id').where('org_id', '=', orgId).execute()).map((r) => r.user_id),
    async addGroupMember(orgId: string, groupName: string, userId: string) {
      const group = await db
        .insertInto('groups')
        .values({ id: randomUUID(), org_id: orgId, name: groupName })
        .onConflict((oc) => oc.columns(['org_id', 'name']).doUpdateSet({ name: groupName }))
        .returning('id')
        .executeTakeFirstOrThrow();
      await db
        .insertInto('group_members')
        .values({ group_id: group.id, user_id: userId })
        .onConflict((oc) => oc.doNothing())
        .execute();
    },
  };
}
export type FactorStore = ReturnType<typeof createFactorStore>;
