/** Table types for kysely: social sign-in (migrations/2026-12-02T1300_social.ts), connections that belong to no organization. */
import type { Generated, JSONColumnType } from 'kysely';
import type { NullableTimestamp, Timestamp } from './columns.js';

export interface SocialConnectionTable {
  id: string;
  provider: 'google' | 'microsoft' | 'apple' | 'facebook' | 'linkedin' | 'oidc';
  name: string;
  enabled: boolean;
  /** Order of the buttons on the sign-in page. */
  position: Generated<number>;
  settings: JSONColumnType<Record<string, unknown>>;
  /** The client secret (Apple: the private key the client secret JWT is signed with), sealed. */
  secret_enc: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface SocialLinkTable {
  connection_id: string;
  subject: string;
  user_id: string;
  email: string | null;
  name: string | null;
  created_at: Timestamp;
  last_used_at: NullableTimestamp;
}

export interface SocialStateTable {
  state: string;
  connection_id: string;
  data: JSONColumnType<Record<string, unknown>>;
  expires_at: Timestamp;
}

export interface SocialDB {
  social_connections: SocialConnectionTable;
  social_links: SocialLinkTable;
  social_states: SocialStateTable;
}
