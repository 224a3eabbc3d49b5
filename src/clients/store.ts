/** SQL for registered OIDC clients and resource servers (APIs). */
import type { Db } from '../db/index.js';
import { restrictNewApp } from '../apps/store.js';

export interface ClientRow {
  client_id: string;
  metadata: Record<string, unknown>;
  secret_enc: string | null;
  first_party: boolean;
}

export function createClientStore(db: Db) {
  return {
    find: (clientId: string): Promise<ClientRow | undefined> =>
      db
        .selectFrom('oidc_clients')
        .select(['client_id', 'metadata', 'secret_enc', 'first_party'])
        .where('client_id', '=', clientId)
        .executeTakeFirst(),
    list: () =>
      db
        .selectFrom('oidc_clients')
        .select(['client_id', 'metadata', 'first_party', 'created_at', 'updated_at'])
        .orderBy('client_id')
        .execute(),
    upsert: async (row: ClientRow) => {
      const values = { ...row, metadata: JSON.stringify(row.metadata) };
      await db
        .insertInto('oidc_clients')
        .values(values)
        .onConflict((oc) =>
          oc.column('client_id').doUpdateSet({
            metadata: values.metadata,
            secret_enc: values.secret_enc,
            first_party: values.first_party,
            updated_at: new Date(),
          }),
        )
        .execute();
    },
    /**
     * Adds a client that does not exist yet (false when one with its id does: nothing is written).
     * `restrictTo`: its app is for that organization only, in the same transaction as the client (never
     * open to everyone, not even for a moment).
     */
    insertNew: (row: ClientRow, restrictTo?: string) =>
      db.transaction().execute(async (tx) => {
        const inserted = await tx
          .insertInto('oidc_clients')
          .values({ ...row, metadata: JSON.stringify(row.metadata) })
          .onConflict((oc) => oc.column('client_id').doNothing())
          .returning('client_id')
          .executeTakeFirst();
        if (!inserted) return false;
        if (!restrictTo) return true;
        await restrictNewApp(tx, { clientId: row.client_id }, restrictTo);
        return true;
      }),
    remove: async (clientId: string) => {
      const res = await db.deleteFrom('oidc_clients').where('client_id', '=', clientId).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    },
    findResource: (identifier: string) =>
      db.selectFrom('resource_servers').selectAll().where('identifier', '=', identifier).executeTakeFirst(),
    listResources: () => db.selectFrom('resource_servers').selectAll().orderBy('identifier').execute(),
    upsertResource: async (r: { identifier: string; scopes: string[]; access_token_ttl: number }) => {
      const values = { ...r, scopes: JSON.stringify(r.scopes) };
      await db
        .insertInto('resource_servers')
        .values(values)
        .onConflict((oc) => oc.column('identifier').doUpdateSet({ scopes: values.scopes, access_token_ttl: r.access_token_ttl }))
        .execute();
    },
  };
}
export type ClientStore = ReturnType<typeof createClientStore>;
