/** SQL for users, password credentials, single-use action links and throttles. */
import { sql } from 'kysely';
import type { Db } from '../db/index.js';
import type { ActionTokenTable, UserTable } from '../db/schema.js';
import { normalizeEmail } from './email-address.js';

export { normalizeEmail };

export type User = Pick<UserTable, 'id' | 'email' | 'email_verified' | 'name' | 'given_name' | 'family_name' | 'locale' | 'status'> & {
  updated_at: Date;
};
const userColumns = ['id', 'email', 'email_verified', 'name', 'given_name', 'family_name', 'locale', 'status', 'updated_at'] as const;

export function createAccountStore(db: Db) {
  return {
    findUser: (id: string): Promise<User | undefined> => db.selectFrom('users').select(userColumns).where('id', '=', id).executeTakeFirst(),
    findUserByEmail: (email: string): Promise<User | undefined> =>
      db.selectFrom('users').select(userColumns).where('email_norm', '=', normalizeEmail(email)).executeTakeFirst(),
    /** A person by email with their password hash (null: none) in one statement: the password step reads both. */
    async findUserWithPasswordByEmail(email: string): Promise<{ user: User; hash: string | null } | undefined> {
      const row = await db
        .selectFrom('users')
        .leftJoin('password_credentials', 'password_credentials.user_id', 'users.id')
        .select([
          'users.id',
          'users.email',
          'users.email_verified',
          'users.name',
          'users.given_name',
          'users.family_name',
          'users.locale',
          'users.status',
          'users.updated_at',
          'password_credentials.hash',
        ])
        .where('users.email_norm', '=', normalizeEmail(email))
        .executeTakeFirst();
      if (!row) return undefined;
      const { hash, ...user } = row;
      return { user, hash };
    },
    /** False when another account holds this address (one unique index decides, races included). */
    async insertUser(u: Omit<User, 'updated_at'>) {
      const row = await db
        .insertInto('users')
        .values({ ...u, email_norm: normalizeEmail(u.email) })
        .onConflict((oc) => oc.column('email_norm').doNothing())
        .returning('id')
        .executeTakeFirst();
      return row !== undefined;
    },
    async updateUser(id: string, patch: Partial<Omit<User, 'id' | 'updated_at'>>) {
      const extra = patch.email ? { email_norm: normalizeEmail(patch.email) } : {};
      await db
        .updateTable('users')
        .set({ ...patch, ...extra, updated_at: new Date() })
        .where('id', '=', id)
        .execute();
    },
    /**
     * Sign-up in one statement of the same shape whether or not the address is taken (its timing must
     * not tell): creates the pending person with their password and verification link, or, when the
     * address is taken, rewrites that person's row unchanged (a write either way: a statement that
     * writes nothing commits without waiting for the log flush, measurably faster on Postgres).
     * Returns who holds the address, `created` when it is the new person.
     */
    async insertSignUp(u: Omit<User, 'updated_at'>, hash: string, link: { id_hash: string; expires_at: Date }) {
      const norm = normalizeEmail(u.email);
      const { rows } = await sql<Pick<User, 'id' | 'email' | 'name' | 'locale'> & { created: boolean }>`
        with holder as (
          insert into users (id, email, email_norm, email_verified, name, given_name, family_name, locale, status)
          values (${u.id}, ${u.email}, ${norm}, ${u.email_verified}, ${u.name}, ${u.given_name}, ${u.family_name}, ${u.locale}, ${u.status})
          on conflict (email_norm) do update set updated_at = users.updated_at
          returning id, email, name, locale, (xmax = 0) as created
        ), credential as (
          insert into password_credentials (user_id, hash) select id, ${hash}::text from holder where created
        ), link as (
          insert into action_tokens (id_hash, purpose, user_id, expires_at)
          select ${link.id_hash}::text, 'verify_email', id, ${link.expires_at}::timestamptz from holder where created
        )
        select id, email, name, locale, created from holder`.execute(db);
      return rows[0];
    },
    listUsers: () => db.selectFrom('users').select(userColumns).orderBy('email_norm').execute(),

    passwordHash: async (userId: string) =>
      (await db.selectFrom('password_credentials').select('hash').where('user_id', '=', userId).executeTakeFirst())?.hash,
    async setPasswordHash(userId: string, hash: string) {
      await db
        .insertInto('password_credentials')
        .values({ user_id: userId, hash })
        .onConflict((oc) => oc.column('user_id').doUpdateSet({ hash, updated_at: new Date() }))
        .execute();
    },

    /** The password stops working at once (a forced reset); the person sets a new one through a reset link. */
    async deletePassword(userId: string) {
      await db.deleteFrom('password_credentials').where('user_id', '=', userId).execute();
    },

    async insertActionToken(t: {
      id_hash: string;
      purpose: ActionTokenTable['purpose'];
      user_id: string;
      expires_at: Date;
      new_email?: string | null;
    }) {
      await db.insertInto('action_tokens').values(t).execute();
    },
    /** Marks a link used and returns it, atomically: a link works once, and only before it expires. */
    useActionToken: (idHash: string, purpose: ActionTokenTable['purpose']) =>
      db
        .updateTable('action_tokens')
        .set({ used_at: sql`now()` })
        .where('id_hash', '=', idHash)
        .where('purpose', '=', purpose)
        .where('used_at', 'is', null)
        .where('expires_at', '>', sql<Date>`now()`)
        .returning(['user_id', 'new_email'])
        .executeTakeFirst(),
    peekActionToken: (idHash: string, purpose: ActionTokenTable['purpose']) =>
      db
        .selectFrom('action_tokens')
        .select(['user_id', 'expires_at', 'used_at', 'new_email'])
        .where('id_hash', '=', idHash)
        .where('purpose', '=', purpose)
        .executeTakeFirst(),
    async expireActionTokens(userId: string, purpose: ActionTokenTable['purpose']) {
      await db
        .updateTable('action_tokens')
        .set({ used_at: sql`now()` })
        .where('user_id', '=', userId)
        .where('purpose', '=', purpose)
        .where('used_at', 'is', null)
        .execute();
    },
  };
}
export type AccountStore = ReturnType<typeof createAccountStore>;
