/** SQL for social connections, their linked identities, and sign-ins waiting for the provider (single use). */
import { liveState } from '../core/waiting-state.js';
import { sql } from 'kysely';
import type { Db } from '../../db/index.js';
import type { SocialConnectionTable } from '../../db/schema.js';

export interface SocialConnectionRow {
  id: string;
  provider: SocialConnectionTable['provider'];
  name: string;
  enabled: boolean;
  position: number;
  settings: Record<string, unknown>;
  secret_enc: string | null;
  created_at: Date;
  updated_at: Date;
}

/** JSON with sorted keys: jsonb does not keep the order settings were written in. */
const canonical = (v: Record<string, unknown>) =>
  JSON.stringify(
    Object.fromEntries(
      Object.entries(v)
        .filter(([, x]) => x !== undefined)
        .sort(([a], [b]) => a.localeCompare(b)),
    ),
  );

export function createSocialStore(db: Db) {
  const connections = () => db.selectFrom('social_connections').selectAll();
  return {
    findConnection: (id: string) => connections().where('id', '=', id).executeTakeFirst() as Promise<SocialConnectionRow | undefined>,
    listConnections: () => connections().orderBy('position').orderBy('id').execute() as Promise<SocialConnectionRow[]>,

    /** Inserts or replaces a connection; returns what happened. */
    async upsertConnection(c: Omit<SocialConnectionRow, 'created_at' | 'updated_at'>) {
      const settings = JSON.stringify(c.settings);
      const existing = await db.selectFrom('social_connections').selectAll().where('id', '=', c.id).executeTakeFirst();
      if (!existing) {
        await db
          .insertInto('social_connections')
          .values({ ...c, settings })
          .execute();
        return 'created' as const;
      }
      const changed =
        canonical(existing.settings) !== canonical(c.settings) ||
        existing.secret_enc !== c.secret_enc ||
        existing.provider !== c.provider ||
        existing.name !== c.name ||
        existing.enabled !== c.enabled ||
        existing.position !== c.position;
      if (changed) {
        await db
          .updateTable('social_connections')
          .set({
            provider: c.provider,
            name: c.name,
            enabled: c.enabled,
            position: c.position,
            settings,
            secret_enc: c.secret_enc,
            updated_at: new Date(),
          })
          .where('id', '=', c.id)
          .execute();
      }
      return changed ? ('changed' as const) : ('unchanged' as const);
    },
    async setEnabled(id: string, enabled: boolean) {
      await db.updateTable('social_connections').set({ enabled, updated_at: new Date() }).where('id', '=', id).execute();
    },

    // Linked identities: (connection, provider subject) → person.
    findLink: (connectionId: string, subject: string) =>
      db.selectFrom('social_links').selectAll().where('connection_id', '=', connectionId).where('subject', '=', subject).executeTakeFirst(),
    /** Links; false when the identity is already linked (to anyone). */
    async link(l: { connection_id: string; subject: string; user_id: string; email: string | null; name: string | null }) {
      const row = await db
        .insertInto('social_links')
        .values({ ...l, last_used_at: new Date() })
        .onConflict((oc) => oc.columns(['connection_id', 'subject']).doNothing())
        .returning('subject')
        .executeTakeFirst();
      return Boolean(row);
    },
    async touchLink(connectionId: string, subject: string) {
      await db
        .updateTable('social_links')
        .set({ last_used_at: new Date() })
        .where('connection_id', '=', connectionId)
        .where('subject', '=', subject)
        .execute();
    },
    linksOf: (userId: string) => db.selectFrom('social_links').selectAll().where('user_id', '=', userId).orderBy('created_at').execute(),
    // Sign-ins waiting for the provider's answer, results waiting for their interaction (single use).
    async putState(s: { state: string; connection_id: string; data: Record<string, unknown>; expires_at: Date }) {
      await db
        .insertInto('social_states')
        .values({ ...s, data: JSON.stringify(s.data) })
        .onConflict((oc) =>
          oc.column('state').doUpdateSet({ connection_id: s.connection_id, data: JSON.stringify(s.data), expires_at: s.expires_at }),
        )
        .execute();
    },
    /** Takes a waiting state: it is gone afterwards; an expired one goes to `onExpired` (core/waiting-state.ts). */
    takeState: (state: string, onExpired?: (row: { data: Record<string, unknown> }) => void) =>
      db
        .deleteFrom('social_states')
        .where('state', '=', state)
        .returning(['connection_id', 'data', 'expires_at'])
        .executeTakeFirst()
        .then((row) => liveState(row, onExpired)),
    /** Reads a waiting state without taking it (the pending link of an interaction). */
    peekState: (state: string) =>
      db
        .selectFrom('social_states')
        .select(['connection_id', 'data', 'expires_at'])
        .where('state', '=', state)
        .where('expires_at', '>', new Date())
        .executeTakeFirst(),
    async purgeExpired() {
      await db
        .deleteFrom('social_states')
        .where('expires_at', '<', sql<Date>`now()`)
        .execute();
    },
  };
}
export type SocialStore = ReturnType<typeof createSocialStore>;
