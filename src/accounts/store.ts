/** SQL for users, password credentials, single-use action links and throttles. */
import { sql } from 'kysely';
import type { Db } from '../db/index.js';
import type { ActionTokenTable, UserTable } from '../db/schema.js';

export type User = Pick<UserTable, 'id' | 'email' | 'email_verified' | 'name' | 'given_name' | 'family_name' | 'locale' | 'status'> & { updated_at: Date };
const userColumns = ['id', 'email', 'email_verified', 'name', 'given_name', 'family_name', 'locale', 'status', 'updated_at'] as const;

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

export function createAccountStore(db: Db) {
  return {
    findUser: (id: string): Promise<User | undefined> =>
      db.selectFrom('users').select(userColumns).where('id', '=', id).executeTakeFirst(),
    findUserByEmail: (email: string): Promise<User | undefined> =>
      db.selectFrom('users').select(userColumns).where('email_norm', '=', normalizeEmail(email)).executeTakeFirst(),
    async insertUser(u: Omit<User, 'updated_at'>) {
      await db.insertInto('users').values({ ...u, email_norm: normalizeEmail(u.email) }).execute();
    },
    async updateUser(id: string, patch: Partial<Omit<User, 'id' | 'updated_at'>>) {
      const extra = patch.email ? { email_norm: normalizeEmail(patch.email) } : {};
      await db.updateTable('users').set({ ...patch, ...extra, updated_at: new Date() }).where('id', '=', id).execute();
    },
    listUsers: () => db.selectFrom('users').select(userColumns).orderBy('email_norm').execute(),

    passwordHash: async (userId: string) =>
      (await db.selectFrom('password_credentials').select('hash').where('user_id', '=', userId).executeTakeFirst())?.hash,
    async setPasswordHash(userId: string, hash: string) {
      await db.insertInto('password_credentials').values({ user_id: userId, hash })
        .onConflict((oc) => oc.column('user_id').doUpdateSet({ hash, updated_at: new Date() })).execute();
    },

    async insertActionToken(t: { id_hash: string; purpose: ActionTokenTable['purpose']; user_id: string; expires_at: Date }) {
      await db.insertInto('action_tokens').values(t).execute();
    },
    /** Marks a link used and returns it, atomically: a link works once, and only before it expires. */
    useActionToken: (idHash: string, purpose: ActionTokenTable['purpose']) =>
      db.updateTable('action_tokens').set({ used_at: sql`now()` })
        .where('id_hash', '=', idHash).where('purpose', '=', purpose)
        .where('used_at', 'is', null).where('expires_at', '>', sql<Date>`now()`)
        .returning(['user_id']).executeTakeFirst(),
    peekActionToken: (idHash: string, purpose: ActionTokenTable['purpose']) =>
      db.selectFrom('action_tokens').select(['user_id', 'expires_at', 'used_at'])
        .where('id_hash', '=', idHash).where('purpose', '=', purpose).executeTakeFirst(),
    async expireActionTokens(userId: string, purpose: ActionTokenTable['purpose']) {
      await db.updateTable('action_tokens').set({ used_at: sql`now()` })
        .where('user_id', '=', userId).where('purpose', '=', purpose).where('used_at', 'is', null).execute();
    },
  };
}
export type AccountStore = ReturnType<typeof createAccountStore>;
