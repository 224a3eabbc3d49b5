/** Table types for kysely: company ID connections, linked identities, connector state, seen assertions. Keep in step with migrations/. */
import type { JSONColumnType } from 'kysely';
import type { Timestamp, NullableTimestamp } from './columns.js';

export interface ConnectionTable {
  id: string;
  org_id: string;
  kind: 'oidc' | 'saml';
  name: string;
  enabled: boolean;
  settings: JSONColumnType<Record<string, unknown>>;
  /** The OIDC client secret, sealed. */
  secret_enc: string | null;
  /** SAML: the last good IdP metadata (imported, or fetched from its URL). */
  metadata: string | null;
  metadata_fetched_at: NullableTimestamp;
  metadata_error: string | null;
  /** The last successful test sign-in (required before SSO-only can be switched on). */
  tested_at: NullableTimestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface LinkedIdentityTable {
  connection_id: string;
  subject: string;
  user_id: string;
  created_at: Timestamp;
  last_used_at: NullableTimestamp;
}

export interface ConnectorStateTable {
  state: string;
  connection_id: string;
  purpose: 'sign_in' | 'test';
  data: JSONColumnType<Record<string, unknown>>;
  expires_at: Timestamp;
}

export interface SsoSeenAssertionTable {
  connection_id: string;
  assertion_id: string;
  expires_at: Timestamp;
}
