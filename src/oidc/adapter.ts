/**
 * oidc-provider's storage adapter, on Postgres through kysely (oidc/store.ts). Rules:
 * - Client metadata comes from the client registry (secrets opened there), never from oidc_models;
 * - a consumed refresh token still works for `graceSeconds` after its first use, so two concurrent
 *   refreshes (two tabs, a retrying app) both succeed instead of revoking the grant; after the grace
 *   window a reused refresh token is treated as stolen: oidc-provider revokes the whole grant;
 * - consuming is one conditional UPDATE: of parallel redemptions of one code (refresh token outside
 *   its grace window, device code, backchannel request) exactly one wins; every other gets
 *   `invalid_grant` and, per RFC 6749 §4.1.2, revokes the grant, so what the winner issued dies too;
 * - an interaction read for our sign-in pages comes with its sign-in journey, in one statement
 *   (journey-prefetch.ts);
 * - a session without an account is never stored: it lives in a signed cookie (anonymous-session.ts);
 * - expired rows are invisible to lookups and removed by the purge job.
 */
import type { Adapter, AdapterPayload } from 'oidc-provider';
import { errors } from './lib.js';
import type { ClientRegistry } from '../clients/registry.js';
import type { OidcStore, ModelRow } from './store.js';
import { createAnonymousSessions } from './anonymous-session.js';
import { journeyPrefetch } from './journey-prefetch.js';
import type { SessionTouch } from './sessions.js';

export interface AdapterDeps {
  store: OidcStore;
  clients: ClientRegistry;
  refreshGraceSeconds: number;
  /** Whether cookies need HTTPS (an https issuer). */
  secureCookies?: boolean;
  /** Where a session was last used, written with its save when due (sessions.ts). */
  touch?: SessionTouch;
}

/** Models redeemed at the token endpoint: a second use is a replay and revokes the grant. */
const GRANT_SOURCES: Record<string, string> = {
  AuthorizationCode: 'authorization code',
  RefreshToken: 'refresh token',
  DeviceCode: 'device code',
  BackchannelAuthenticationRequest: 'backchannel authentication request',
};

export function createAdapterClass({ store, clients, refreshGraceSeconds, secureCookies = false, touch }: AdapterDeps) {
  const anonymous = createAnonymousSessions(secureCookies);
  function toPayload(kind: string, row: ModelRow | undefined): AdapterPayload | undefined {
    if (!row) return undefined;
    const payload = { ...row.payload } as AdapterPayload;
    if (row.consumed_at) {
      const age = (Date.now() - row.consumed_at.getTime()) / 1000;
      const inGrace = kind === 'RefreshToken' && age <= refreshGraceSeconds;
      if (!inGrace) payload.consumed = Math.floor(row.consumed_at.getTime() / 1000);
    }
    return payload;
  }

  return class KyselyAdapter implements Adapter {
    constructor(private readonly kind: string) {}

    async upsert(id: string, payload: AdapterPayload, expiresIn: number) {
      if (this.kind === 'Client') throw new Error('clients are managed by the client registry');
      if (this.kind === 'Session') {
        if (!payload.accountId) return anonymous.save(id, payload, expiresIn);
        anonymous.forget();
        const meta = touch?.claim(payload);
        if (meta) {
          try {
            return await store.upsert(this.kind, id, payload as Record<string, unknown>, expiresIn, meta);
          } catch (err) {
            touch!.release(meta);
            throw err;
          }
        }
      }
      await store.upsert(this.kind, id, payload as Record<string, unknown>, expiresIn);
    }

    async find(id: string) {
      if (this.kind === 'Client') return (await clients.metadata(id)) as AdapterPayload | undefined;
      const sink = this.kind === 'Interaction' ? journeyPrefetch.getStore() : undefined;
      if (sink) {
        const row = await store.findInteractionWithJourney(id);
        sink.set(id, row ? row.journey : null);
        return toPayload(this.kind, row);
      }
      const found = toPayload(this.kind, await store.find(this.kind, 'id', id));
      return found ?? (this.kind === 'Session' ? anonymous.find(id) : undefined);
    }

    async findByUserCode(userCode: string) {
      return toPayload(this.kind, await store.find(this.kind, 'user_code', userCode));
    }

    async findByUid(uid: string) {
      return toPayload(this.kind, await store.find(this.kind, 'uid', uid));
    }

    async consume(id: string) {
      const grace = this.kind === 'RefreshToken' ? refreshGraceSeconds : 0;
      if (await store.consume(this.kind, id, grace)) return;
      const label = GRANT_SOURCES[this.kind];
      if (!label) return;
      const grantId = await store.grantOf(this.kind, id);
      if (grantId) await store.revokeGrant(grantId);
      throw new errors.InvalidGrant(`${label} already consumed`);
    }

    async destroy(id: string) {
      if (this.kind === 'Session') anonymous.forget(id);
      await store.destroy(this.kind, id);
    }

    async revokeByGrantId(grantId: string) {
      await store.revokeByGrantId(grantId);
    }
  };
}
