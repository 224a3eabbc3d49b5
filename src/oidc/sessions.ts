/**
 * A person's sign-in sessions: which browser is signed in, seen where and when, in which apps; and
 * signing out one session or all of them. "All" also deletes every grant and token of the person
 * (refresh tokens included) and sends back-channel logout to every app that registered for it.
 */
import type { Context } from 'koa';
import Provider from './lib.js';
import type { Logger } from '../lib/log.js';
import type { Oidc } from './provider.js';

export interface SessionInfo {
  id: string;
  uid: string;
  loginAt: Date | null;
  expiresAt: Date | null;
  lastSeenAt: Date | null;
  ip: string | null;
  userAgent: string | null;
  transient: boolean;
  apps: string[];
  current: boolean;
}

interface StoredSession {
  uid?: string;
  accountId?: string;
  loginTs?: number;
  transient?: boolean;
  authorizations?: Record<string, { sid?: string; grantId?: string }>;
}

/** How long "last seen" may lag behind (per instance) when the session's browser and address did not change. */
const TOUCH_EVERY_MS = 60_000;

export interface SessionMeta {
  session_uid: string;
  user_id: string;
  ip: string | null;
  user_agent: string | null;
}

/**
 * Remembers where a session was last used, written with the session's own save (adapter.ts, one
 * statement): at once for a new session or a new address or browser, otherwise at most once a minute
 * per instance (a session is saved at every authorization).
 */
export function createSessionTouch() {
  const touched = new Map<string, number>();
  return {
    /** The details to write with this save of a session, if they are due (then counted as written). */
    claim(session: StoredSession): SessionMeta | undefined {
      if (!session.accountId || !session.uid) return undefined;
      const ctx = Provider.ctx as Context | undefined;
      const meta = {
        session_uid: session.uid,
        user_id: session.accountId,
        ip: ctx?.ip ?? null,
        user_agent: ctx?.get('user-agent')?.slice(0, 300) || null,
      };
      const key = JSON.stringify(meta);
      const now = Date.now();
      if (now - (touched.get(key) ?? -Infinity) < TOUCH_EVERY_MS) return undefined;
      touched.delete(key);
      touched.set(key, now);
      if (touched.size > 10_000) touched.delete(touched.keys().next().value!);
      return meta;
    },
    /** The save failed: the details were not written. */
    release(meta: SessionMeta) {
      touched.delete(JSON.stringify(meta));
    },
  };
}
export type SessionTouch = ReturnType<typeof createSessionTouch>;

export function createSessions(oidc: Oidc, log: Logger) {
  const { store } = oidc;

  async function backchannel(accountId: string, sessions: StoredSession[]) {
    for (const s of sessions) {
      for (const [clientId, auth] of Object.entries(s.authorizations ?? {})) {
        const client = await oidc.provider.Client.find(clientId);
        if (!client?.backchannelLogoutUri) continue;
        await (client as unknown as { backchannelLogout(sub: string, sid: string): Promise<void> })
          .backchannelLogout(accountId, auth.sid!)
          .catch((err: Error) => log.warn({ clientId, err: err.message }, 'back-channel logout failed'));
      }
    }
  }

  return {
    /** The signed-in session of this browser, if any. */
    async current(ctx: Context) {
      const id = ctx.cookies.get('wf_session', { signed: true });
      if (!id) return undefined;
      const session = await oidc.provider.Session.find(id);
      if (!session?.accountId) return undefined;
      return session as typeof session & { id: string; transient?: boolean };
    },

    async list(accountId: string, currentId?: string): Promise<SessionInfo[]> {
      const [rows, metas] = await Promise.all([store.sessionsOf(accountId), store.sessionMetaOf(accountId)]);
      return rows
        .map((r) => {
          const p = r.payload as StoredSession;
          const meta = metas.find((m) => m.session_uid === p.uid);
          return {
            id: r.id,
            uid: p.uid ?? '',
            loginAt: p.loginTs ? new Date(p.loginTs * 1000) : null,
            expiresAt: r.expires_at,
            lastSeenAt: meta?.last_seen_at ?? null,
            ip: meta?.ip ?? null,
            userAgent: meta?.user_agent ?? null,
            transient: !!p.transient,
            apps: Object.keys(p.authorizations ?? {}),
            current: r.id === currentId,
          };
        })
        .sort((a, b) => (b.lastSeenAt?.getTime() ?? 0) - (a.lastSeenAt?.getTime() ?? 0));
    },

    async signOut(accountId: string, sessionId: string) {
      const rows = await store.sessionsOf(accountId);
      const row = rows.find((r) => r.id === sessionId);
      if (!row) return false;
      const payload = row.payload as StoredSession;
      await store.destroy('Session', sessionId);
      if (payload.uid) await store.deleteSessionMeta(payload.uid);
      await backchannel(accountId, [payload]);
      return true;
    },

    /**
     * Every session of the person but `keepSessionId` (this browser), with every grant and token
     * (refresh tokens included) except those of the apps signed in through the kept session; the apps
     * of the ended sessions get back-channel logout. Returns how many sessions ended.
     */
    async signOutOthers(accountId: string, keepSessionId: string) {
      const rows = await store.sessionsOf(accountId);
      const kept = rows.find((r) => r.id === keepSessionId)?.payload as StoredSession | undefined;
      const others = rows.filter((r) => r.id !== keepSessionId).map((r) => r.payload as StoredSession);
      const grantIds = Object.values(kept?.authorizations ?? {})
        .map((a) => a.grantId)
        .filter((g): g is string => !!g);
      await store.destroyAllOfExcept(accountId, { sessionId: keepSessionId, sessionUid: kept?.uid, grantIds });
      await backchannel(accountId, others);
      return others.length;
    },

    async signOutAll(accountId: string) {
      const sessions = (await store.sessionsOf(accountId)).map((r) => r.payload as StoredSession);
      await store.destroyAllOf(accountId);
      await backchannel(accountId, sessions);
      return sessions.length;
    },
  };
}
export type Sessions = ReturnType<typeof createSessions>;
