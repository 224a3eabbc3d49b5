/**
 * oidc-provider's storage adapter, on Postgres through kysely (oidc/store.ts). Rules:
 * - Client metadata comes from the client registry (secrets opened there), never from oidc_models;
 * - a consumed refresh token still works for `graceSeconds` after its first use, so two concurrent
 *   refreshes (two tabs, a retrying app) both succeed instead of revoking the grant; after the grace
 *   window a reused refresh token is treated as stolen: oidc-provider revokes the whole grant;
 * - expired rows are invisible to lookups and removed by the purge job.
 */
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { ClientRegistry } from '../clients/registry.js';
import type { OidcStore, ModelRow } from './store.js';

export interface AdapterDeps {
  store: OidcStore;
  clients: ClientRegistry;
  refreshGraceSeconds: number;
}

export function createAdapterClass({ store, clients, refreshGraceSeconds }: AdapterDeps) {
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
      await store.upsert(this.kind, id, payload as Record<string, unknown>, expiresIn);
    }

    async find(id: string) {
      if (this.kind === 'Client') return (await clients.metadata(id)) as AdapterPayload | undefined;
      return toPayload(this.kind, await store.find(this.kind, 'id', id));
    }

    async findByUserCode(userCode: string) {
      return toPayload(this.kind, await store.find(this.kind, 'user_code', userCode));
    }

    async findByUid(uid: string) {
      return toPayload(this.kind, await store.find(this.kind, 'uid', uid));
    }

    async consume(id: string) { await store.consume(this.kind, id); }

    async destroy(id: string) { await store.destroy(this.kind, id); }

    async revokeByGrantId(grantId: string) { await store.revokeByGrantId(grantId); }
  };
}
