/** Table types for kysely: SCIM 2.0 provisioning (migrations/2026-12-02T1200_scim.ts). Keep in step with migrations/. */
import type { Generated, JSONColumnType } from 'kysely';
import type { NullableTimestamp, Timestamp } from './columns.js';

export interface ScimTokenTable {
  id: string;
  org_id: string;
  label: string | null;
  /** SHA-256 (hex) of the bearer token; the token itself is shown once and never stored. */
  token_hash: string;
  created_at: Timestamp;
  last_used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
}

export interface ScimClientTable {
  client_id: string;
  org_id: string;
  created_at: Timestamp;
}

export interface ScimUserTable {
  user_id: string;
  org_id: string;
  user_name: string;
  external_id: string | null;
  display_name: string | null;
  active: Generated<boolean>;
  emails_norm: JSONColumnType<Array<{ type?: string; value: string; primary?: boolean }>>;
  /** The attributes the IdP sent (core and extensions), without id, meta, schemas, userName, externalId, active. */
  resource: JSONColumnType<Record<string, unknown>>;
  version: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
  deleted_at: NullableTimestamp;
}

export interface ScimGroupTable {
  group_id: string;
  org_id: string;
  external_id: string | null;
  version: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ScimDB {
  scim_tokens: ScimTokenTable;
  scim_clients: ScimClientTable;
  scim_users: ScimUserTable;
  scim_groups: ScimGroupTable;
}
