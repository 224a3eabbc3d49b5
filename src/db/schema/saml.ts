/** Table types for kysely: the SAML IdP: service providers, certificates, pending requests, seen IDs, subjects, sessions, logouts. Keep in step with migrations/. */
import type { JSONColumnType } from 'kysely';
import type { Timestamp, NullableTimestamp } from './columns.js';

export interface SamlServiceProviderTable {
  id: string;
  entity_id: string;
  /** The SP's metadata XML as registered. */
  metadata: string;
  settings: JSONColumnType<Record<string, unknown>>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface SamlCertificateTable {
  id: string;
  status: 'next' | 'active' | 'retired';
  private_key_enc: string;
  certificate: string;
  not_after: Timestamp;
  created_at: Timestamp;
  activated_at: NullableTimestamp;
  retired_at: NullableTimestamp;
  /** A retired certificate leaves the metadata after this. */
  expires_at: NullableTimestamp;
}

export interface SamlPendingRequestTable {
  state: string;
  sp_id: string;
  data: JSONColumnType<Record<string, unknown>>;
  expires_at: Timestamp;
}

export interface SamlSeenIdTable {
  issuer: string;
  message_id: string;
  expires_at: Timestamp;
}

export interface SamlSubjectTable {
  user_id: string;
  sp_id: string;
  name_id: string;
  created_at: Timestamp;
}

export interface SamlParticipantTable {
  session_index: string;
  session_uid: string;
  user_id: string;
  sp_id: string;
  name_id: string;
  name_id_format: string;
  created_at: Timestamp;
  expires_at: Timestamp;
}

export interface SamlLogoutTable {
  id: string;
  data: JSONColumnType<Record<string, unknown>>;
  expires_at: Timestamp;
}
