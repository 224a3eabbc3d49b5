/**
 * SQL for SCIM: tokens (by hash), provisioned people (their SCIM record beside the Wayfinder user) and
 * the lookups company sign-in makes. Every query names the organization: nothing here reads or
 * writes another organization's people. Unique violations become 409 `uniqueness` errors.
 */
import { sql } from 'kysely';
import { createDeletionStore, softDeleteIn } from '../accounts/deletion-store.js';
import type { Db } from '../db/index.js';
import type { ScimUserTable, UserTable } from '../db/schema.js';
import { uniqueness } from './errors.js';
import { userFilterSql } from './filter-store.js';
import type { Filter } from './filter.js';
import type { ListParams } from './representation.js';
import { userOrderSql } from './sort-store.js';

export interface ScimUserRow {
  user_id: string;
  org_id: string;
  user_name: string;
  external_id: string | null;
  display_name: string | null;
  active: boolean;
  resource: Record<string, unknown>;
  version: number;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}
export type ScimUserFields = Pick<ScimUserTable, 'user_name' | 'external_id' | 'display_name'> & {
  active: boolean;
  emails_norm: Array<{ type?: string; value: string; primary?: boolean }>;
  resource: Record<string, unknown>;
};
export type UserFields = Pick<UserTable, 'email' | 'name' | 'given_name' | 'family_name' | 'locale' | 'email_verified'> & {
  status: 'active' | 'disabled';
};

const UNIQUE: Record<string, string> = {
  scim_users_user_name: 'userName',
  scim_users_external_id: 'externalId',
  users_email_norm_key: 'email',
  scim_groups_external_id: 'externalId',
  groups_org_name: 'displayName',
};

/** A unique violation as a SCIM 409, anything else rethrown. */
export function rethrowUnique(err: unknown): never {
  const e = err as { code?: string; constraint?: string; message?: string };
  if (e?.code === '23505') {
    const key = Object.keys(UNIQUE).find((k) => e.constraint === k || e.message?.includes(k));
    throw uniqueness(`another resource already has this ${key ? UNIQUE[key] : 'value'}`);
  }
  throw err;
}

const scimColumns = [
  'user_id',
  'org_id',
  'user_name',
  'external_id',
  'display_name',
  'active',
  'resource',
  'version',
  'created_at',
  'updated_at',
  'deleted_at',
] as const;
const toJson = (s: ScimUserFields) => ({ ...s, emails_norm: JSON.stringify(s.emails_norm), resource: JSON.stringify(s.resource) });

export function createScimStore(db: Db) {
  const users = (orgId: string) =>
    db.selectFrom('scim_users').select(scimColumns).where('org_id', '=', orgId).where('deleted_at', 'is', null);

  return {
    // Tokens.
    async insertToken(t: { id: string; org_id: string; label: string | null; token_hash: string }) {
      await db.insertInto('scim_tokens').values(t).execute();
    },
    tokenByHash: (hash: string) =>
      db
        .selectFrom('scim_tokens')
        .innerJoin('organizations', 'organizations.id', 'scim_tokens.org_id')
        .select(['scim_tokens.id', 'scim_tokens.org_id', 'scim_tokens.revoked_at', 'scim_tokens.last_used_at', 'organizations.status'])
        .where('scim_tokens.token_hash', '=', hash)
        .executeTakeFirst(),
    /** Records use at most once a minute (one conditional update). */
    async touchToken(id: string) {
      await db
        .updateTable('scim_tokens')
        .set({ last_used_at: sql`now()` })
        .where('id', '=', id)
        .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', sql<Date>`now() - interval '1 minute'`)]))
        .execute();
    },
    tokensOf: (orgId: string) =>
      db
        .selectFrom('scim_tokens')
        .select(['id', 'label', 'created_at', 'last_used_at', 'revoked_at'])
        .where('org_id', '=', orgId)
        .orderBy('created_at')
        .execute(),
    revokeToken: (orgId: string, id: string) =>
      db
        .updateTable('scim_tokens')
        .set({ revoked_at: sql`coalesce(revoked_at, now())` })
        .where('org_id', '=', orgId)
        .where('id', '=', id)
        .returning(['id'])
        .executeTakeFirst(),

    // OAuth clients allowed to provision an organization.
    async linkClient(orgId: string, clientId: string) {
      await db
        .insertInto('scim_clients')
        .values({ client_id: clientId, org_id: orgId })
        .onConflict((oc) => oc.column('client_id').doUpdateSet({ org_id: orgId }))
        .execute();
    },
    unlinkClient: (orgId: string, clientId: string) =>
      db.deleteFrom('scim_clients').where('org_id', '=', orgId).where('client_id', '=', clientId).returning('client_id').executeTakeFirst(),
    clientsOf: (orgId: string) =>
      db.selectFrom('scim_clients').select(['client_id', 'created_at']).where('org_id', '=', orgId).orderBy('client_id').execute(),
    orgOfClient: async (clientId: string) =>
      (
        await db
          .selectFrom('scim_clients')
          .innerJoin('organizations', 'organizations.id', 'scim_clients.org_id')
          .select('scim_clients.org_id')
          .where('scim_clients.client_id', '=', clientId)
          .where('organizations.status', '=', 'active')
          .executeTakeFirst()
      )?.org_id,

    // Provisioned people.
    findUser: (orgId: string, userId: string): Promise<ScimUserRow | undefined> =>
      users(orgId).where('user_id', '=', userId).executeTakeFirst() as Promise<ScimUserRow | undefined>,
    /** The SCIM record of a Wayfinder user in any organization, deleted or not. */
    recordOf: (userId: string) =>
      db.selectFrom('scim_users').select(['org_id', 'deleted_at']).where('user_id', '=', userId).executeTakeFirst(),
    async listUsers(orgId: string, { filter, sort, offset, count: limit }: ListParams) {
      const where = filter ? userFilterSql(filter) : sql<boolean>`true`;
      const order = userOrderSql(sort);
      const [{ total }] = await db
        .selectFrom('scim_users')
        .select(sql<string>`count(*)`.as('total'))
        .where('org_id', '=', orgId)
        .where('deleted_at', 'is', null)
        .where(where)
        .execute();
      const rows = limit > 0 ? await users(orgId).where(where).orderBy(order).offset(offset).limit(limit).execute() : [];
      return { total: Number(total), rows: rows as ScimUserRow[] };
    },
    /** EXPLAIN of the userName lookup (bench/scim-sync.ts reports it). */
    explainUserName: async (orgId: string, filter: Filter) =>
      (await sql<{ 'QUERY PLAN': string }>`explain analyze ${users(orgId).where(userFilterSql(filter)).limit(100)}`.execute(db)).rows.map(
        (r) => r['QUERY PLAN'],
      ),

    /**
     * Creates the person: a Wayfinder user (or, with `adopt`, the existing user of that id takes the
     * given profile), their SCIM record (a soft-deleted one of this organization comes back) and
     * their membership of the organization, in one transaction.
     */
    async createUser(orgId: string, userId: string, user: UserFields, scim: ScimUserFields, adopt: boolean): Promise<ScimUserRow> {
      try {
        return await db.transaction().execute(async (trx) => {
          if (adopt) {
            await trx
              .updateTable('users')
              .set({ ...user, email_norm: user.email.toLowerCase(), deleted_at: null, updated_at: new Date() })
              .where('id', '=', userId)
              .execute();
          } else {
            await trx
              .insertInto('users')
              .values({ id: userId, ...user, email_norm: user.email.toLowerCase() })
              .execute();
          }
          const values = toJson(scim);
          const row = await trx
            .insertInto('scim_users')
            .values({ user_id: userId, org_id: orgId, ...values })
            .onConflict((oc) =>
              oc
                .column('user_id')
                .doUpdateSet({
                  ...values,
                  deleted_at: null,
                  version: sql`scim_users.version + 1`,
                  created_at: sql`now()`,
                  updated_at: sql`now()`,
                })
                .where('scim_users.org_id', '=', orgId)
                .where('scim_users.deleted_at', 'is not', null),
            )
            .returning(scimColumns)
            .executeTakeFirst();
          if (!row) throw uniqueness('this person is already provisioned');
          await trx
            .insertInto('memberships')
            .values({ org_id: orgId, user_id: userId, role: 'member' })
            .onConflict((oc) => oc.columns(['org_id', 'user_id']).doNothing())
            .execute();
          return row as ScimUserRow;
        });
      } catch (err) {
        return rethrowUnique(err);
      }
    },

    /** Saves a changed person if their version is still `version`; undefined when it moved on meanwhile. */
    async updateUser(
      orgId: string,
      userId: string,
      version: number,
      user: UserFields,
      scim: ScimUserFields,
    ): Promise<ScimUserRow | undefined> {
      try {
        return await db.transaction().execute(async (trx) => {
          const row = await trx
            .updateTable('scim_users')
            .set({ ...toJson(scim), version: sql`version + 1`, updated_at: sql`now()` })
            .where('org_id', '=', orgId)
            .where('user_id', '=', userId)
            .where('deleted_at', 'is', null)
            .where('version', '=', version)
            .returning(scimColumns)
            .executeTakeFirst();
          if (!row) return undefined;
          await trx
            .updateTable('users')
            .set({ ...user, email_norm: user.email.toLowerCase(), deleted_at: null, updated_at: new Date() })
            .where('id', '=', userId)
            .execute();
          return row as ScimUserRow;
        });
      } catch (err) {
        return rethrowUnique(err);
      }
    },

    /** Soft delete (accounts/deletion-store.ts, the one shared with the admin layer); false when not provisioned here. */
    async softDeleteUser(orgId: string, userId: string): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        const row = await trx
          .selectFrom('scim_users')
          .select('user_id')
          .where('org_id', '=', orgId)
          .where('user_id', '=', userId)
          .where('deleted_at', 'is', null)
          .forUpdate()
          .executeTakeFirst();
        return !!row && (await softDeleteIn(trx, orgId, userId));
      });
    },
    /** Removes people soft-deleted before `before` (their account, links and tokens go with them). */
    purgeDeleted: async (before: Date) => (await createDeletionStore(db).purge(before)).length,

    /** The provisioned person of an organization a company sign-in subject matches (not deleted). */
    async match(orgId: string, by: 'external_id' | 'user_name', candidates: string[]) {
      if (!candidates.length) return undefined;
      const q =
        by === 'external_id'
          ? users(orgId).where('external_id', 'in', candidates)
          : users(orgId).where(
              sql`lower(user_name)`,
              'in',
              candidates.map((c) => c.toLowerCase()),
            );
      const rows = await q.limit(2).execute();
      return rows.length === 1 ? rows[0].user_id : undefined;
    },
  };
}
export type ScimStore = ReturnType<typeof createScimStore>;
