/** Table types for kysely: oidc-provider models, signing keys, clients and APIs, audit, throttles, bootstrap. Keep in step with migrations/. */
import type { Generated, JSONColumnType } from 'kysely';
import type { Timestamp, NullableTimestamp } from './columns.js';

export interface OidcModelTable {
  kind: string;
  id: string;
  payload: JSONColumnType<Record<string, unknown>>;
  grant_id: string | null;
  uid: string | null;
  user_code: string | null;
  account_id: string | null;
  expires_at: NullableTimestamp;
  consumed_at: NullableTimestamp;
}

export interface SigningKeyTable {
  kid: string;
  alg: 'ES256' | 'RS256';
  status: 'next' | 'active' | 'retired';
  private_jwk_enc: string;
  public_jwk: JSONColumnType<Record<string, unknown>>;
  created_at: Timestamp;
  activated_at: NullableTimestamp;
  retired_at: NullableTimestamp;
  /** A retired key is dropped after this: every token it signed has expired by then. */
  expires_at: NullableTimestamp;
}

export interface OidcClientTable {
  client_id: string;
  metadata: JSONColumnType<Record<string, unknown>>;
  secret_enc: string | null;
  first_party: boolean;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ResourceServerTable {
  identifier: string;
  scopes: JSONColumnType<string[]>;
  access_token_ttl: number;
  created_at: Timestamp;
}

export interface AuditEventTable {
  id: Generated<string>;
  at: Timestamp;
  type: string;
  outcome: 'success' | 'failure' | 'info';
  user_id: string | null;
  client_id: string | null;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  data: JSONColumnType<Record<string, unknown>>;
  /** The organization the event concerns, when one does (migrations/2026-12-03T1050_admin.ts). */
  org_id: string | null;
  /** Who acted through the admin API or CLI: `user:<id>`, `client:<id>` or `cli`. */
  actor: string | null;
}

export interface ThrottleTable {
  key: string;
  failures: number;
  first_failure_at: Timestamp;
  blocked_until: NullableTimestamp;
}

/** The digest of each bootstrap entry as last applied (src/bootstrap/store.ts). */
export interface BootstrapAppliedTable {
  entry: string;
  digest: string;
  notes: JSONColumnType<string[]>;
  applied_at: Generated<Date>;
}
