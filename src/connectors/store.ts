/** SQL for company connections, linked identities, sign-ins waiting for the IdP, and seen assertion IDs. */
import { liveState } from './core/waiting-state.js';
import { sql } from 'kysely';
import type { Db } from '../db/index.js';
import { AppError, badRequest } from '../lib/errors.js';
import type { ConnectionTable, ConnectorStateTable } from '../db/schema.js';
import { assertMayRemoveConnection, assertMaySwitchOff, withOrgLocked } from '../orgs/lockout-store.js';

export type ConnectionRow = Omit<ConnectionTable, 'created_at' | 'updated_at' | 'tested_at' | 'metadata_fetched_at' | 'settings'> & {
  settings: Record<string, unknown>;
  tested_at: Date | null;
  metadata_fetched_at: Date | null;
  updated_at: Date;
  created_at: Date;
};

export function createConnectorStore(db: Db) {
  const connections = () => db.selectFrom('connections').selectAll();
  const orgOf = async (id: string) => (await db.selectFrom('connections').select('org_id').where('id', '=', id).executeTakeFirst())?.org_id;
  return {
    findConnection: (id: string) => connections().where('id', '=', id).executeTakeFirst() as Promise<ConnectionRow | undefined>,
    connectionsOf: (orgId: string) => connections().where('org_id', '=', orgId).orderBy('name').execute() as Promise<ConnectionRow[]>,
    listConnections: () => connections().orderBy('org_id').orderBy('name').execute() as Promise<ConnectionRow[]>,
    /** Connections whose SAML metadata comes from a URL (refreshed on a schedule). */
    connectionsWithMetadataUrl: () =>
      connections()
        .where(sql<boolean>`settings ? 'metadata_url'`)
        .execute() as Promise<ConnectionRow[]>,

    /** Inserts or replaces a connection; a changed configuration forgets its test sign-in. */
    async upsertConnection(
      c: {
        id: string;
        org_id: string;
        kind: ConnectionTable['kind'];
        name: string;
        enabled: boolean;
        settings: Record<string, unknown>;
        secret_enc: string | null;
        metadata?: string | null;
      },
      opts: { createOnly?: boolean } = {},
    ) {
      const settings = JSON.stringify(c.settings);
      const metadata = c.metadata ?? null;
      const existing = await db
        .selectFrom('connections')
        .select(['settings', 'secret_enc', 'metadata', 'org_id', 'kind'])
        .where('id', '=', c.id)
        .executeTakeFirst();
      if (!existing) {
        // Two saves of one new id at once: one inserts, the other is told it exists (never a 500).
        const inserted = await db
          .insertInto('connections')
          .values({ ...c, settings, metadata, metadata_fetched_at: metadata ? new Date() : null })
          .onConflict((oc) => oc.column('id').doNothing())
          .returning('id')
          .executeTakeFirst();
        if (!inserted) throw new AppError('connection_exists', 409, `a connection ${c.id} exists already`);
        return 'created' as const;
      }
      // A connection never moves to another organization by being saved again (its sign-ins would follow).
      if (existing.org_id !== c.org_id) throw badRequest('connection_taken', `the connection id ${c.id} belongs to another organization`);
      if (opts.createOnly) throw new AppError('connection_exists', 409, `a connection ${c.id} exists already`);
      const changed =
        JSON.stringify(existing.settings) !== settings ||
        existing.secret_enc !== c.secret_enc ||
        existing.org_id !== c.org_id ||
        existing.kind !== c.kind ||
        (c.metadata !== undefined && existing.metadata !== metadata);
      const update = (x: Db) =>
        x
          .updateTable('connections')
          .set({
            org_id: c.org_id,
            kind: c.kind,
            name: c.name,
            enabled: c.enabled,
            settings,
            secret_enc: c.secret_enc,
            ...(c.metadata !== undefined ? { metadata, metadata_fetched_at: metadata ? new Date() : null, metadata_error: null } : {}),
            ...(changed ? { tested_at: null, updated_at: new Date() } : {}),
          })
          .where('id', '=', c.id)
          .execute();
      // A replacement with enabled: false is a switch-off like any other (the lock-out rule, under the lock).
      if (c.enabled) await update(db);
      else
        await withOrgLocked(db, c.org_id, async (trx, mode) => {
          await assertMaySwitchOff(trx, c.org_id, mode, c.id);
          await update(trx);
        });
      return changed ? ('changed' as const) : ('unchanged' as const);
    },
    /**
     * Removes a connection (its linked identities and waiting sign-ins go with it); never the last way in
     * of an organization under SSO only (orgs/lockout-store.ts: 409, checked under the organization's lock).
     */
    async removeConnection(id: string) {
      const orgId = await orgOf(id);
      if (!orgId) return void (await db.deleteFrom('connections').where('id', '=', id).execute());
      await withOrgLocked(db, orgId, async (trx, mode) => {
        await assertMayRemoveConnection(trx, orgId, mode, id);
        await trx.deleteFrom('connections').where('id', '=', id).execute();
      });
    },
    /** Switching off never takes the last way in of an organization under SSO only (409, under its lock). */
    async setEnabled(id: string, enabled: boolean) {
      const orgId = enabled ? undefined : await orgOf(id);
      const update = (x: Db) => x.updateTable('connections').set({ enabled, updated_at: new Date() }).where('id', '=', id).execute();
      if (!orgId) return void (await update(db));
      await withOrgLocked(db, orgId, async (trx, mode) => {
        await assertMaySwitchOff(trx, orgId, mode, id);
        await update(trx);
      });
    },
    async markTested(id: string) {
      await db.updateTable('connections').set({ tested_at: new Date() }).where('id', '=', id).execute();
    },
    /** Keeps freshly fetched metadata (or, on failure, only the error: the last good copy stays). */
    async recordMetadata(id: string, outcome: { metadata: string } | { error: string }) {
      await db
        .updateTable('connections')
        .set(
          'metadata' in outcome
            ? { metadata: outcome.metadata, metadata_fetched_at: new Date(), metadata_error: null, updated_at: new Date() }
            : { metadata_error: outcome.error.slice(0, 500) },
        )
        .where('id', '=', id)
        .execute();
    },

    // Linked identities: (connection, upstream subject) → person.
    findLink: (connectionId: string, subject: string) =>
      db
        .selectFrom('linked_identities')
        .selectAll()
        .where('connection_id', '=', connectionId)
        .where('subject', '=', subject)
        .executeTakeFirst(),
    async link(connectionId: string, subject: string, userId: string) {
      await db
        .insertInto('linked_identities')
        .values({ connection_id: connectionId, subject, user_id: userId, last_used_at: new Date() })
        .execute();
    },
    async touchLink(connectionId: string, subject: string) {
      await db
        .updateTable('linked_identities')
        .set({ last_used_at: new Date() })
        .where('connection_id', '=', connectionId)
        .where('subject', '=', subject)
        .execute();
    },
    linksOf: (userId: string) => db.selectFrom('linked_identities').selectAll().where('user_id', '=', userId).execute(),

    // Sign-ins waiting for the IdP's answer (single use).
    async putState(s: {
      state: string;
      connection_id: string;
      purpose: ConnectorStateTable['purpose'];
      data: Record<string, unknown>;
      expires_at: Date;
    }) {
      await db
        .insertInto('connector_states')
        .values({ ...s, data: JSON.stringify(s.data) })
        .execute();
    },
    /** Takes a waiting sign-in: it is gone afterwards; an expired one goes to `onExpired` (core/waiting-state.ts). */
    takeState: (state: string, onExpired?: (row: { purpose: string; data: Record<string, unknown> }) => void) =>
      db
        .deleteFrom('connector_states')
        .where('state', '=', state)
        .returning(['connection_id', 'purpose', 'data', 'expires_at'])
        .executeTakeFirst()
        .then((row) => liveState(row, onExpired)),

    /** Remembers an assertion ID until it expires; false when it is already remembered (a replay). */
    async rememberAssertion(connectionId: string, assertionId: string, expiresAt: Date) {
      const row = await db
        .insertInto('sso_seen_assertions')
        .values({ connection_id: connectionId, assertion_id: assertionId, expires_at: expiresAt })
        .onConflict((oc) => oc.columns(['connection_id', 'assertion_id']).doNothing())
        .returning('assertion_id')
        .executeTakeFirst();
      return Boolean(row);
    },
    async purgeExpired() {
      await db
        .deleteFrom('connector_states')
        .where('expires_at', '<', sql<Date>`now()`)
        .execute();
      await db
        .deleteFrom('sso_seen_assertions')
        .where('expires_at', '<', sql<Date>`now()`)
        .execute();
    },
  };
}
export type ConnectorStore = ReturnType<typeof createConnectorStore>;
