/** Table types for kysely: second factors, recovery codes, challenges, trusted devices, two-step policies. Keep in step with migrations/. */
import type { Generated, JSONColumnType } from 'kysely';
import type { Timestamp, NullableTimestamp } from './columns.js';

export interface UserFactorTable {
  id: string;
  user_id: string;
  kind: string;
  label: string | null;
  secret_enc: string | null;
  data: JSONColumnType<Record<string, unknown>>;
  confirmed_at: NullableTimestamp;
  created_at: Timestamp;
  last_used_at: NullableTimestamp;
}

export interface RecoveryCodeTable {
  user_id: string;
  code_hash: string;
  used_at: NullableTimestamp;
  created_at: Timestamp;
}

export interface FactorChallengeTable {
  id: string;
  user_id: string;
  kind: string;
  factor_id: string | null;
  data: JSONColumnType<Record<string, unknown>>;
  attempts: Generated<number>;
  status: Generated<string>;
  expires_at: Timestamp;
  created_at: Timestamp;
}

export interface TrustedDeviceTable {
  id: string;
  user_id: string;
  token_hash: string;
  user_agent: string | null;
  ip: string | null;
  created_at: Timestamp;
  expires_at: Timestamp;
  last_used_at: NullableTimestamp;
}

export interface MfaPolicyTable {
  org_id: string;
  required: 'off' | 'all' | 'groups';
  group_names: JSONColumnType<string[]>;
  primary_method: string;
  trusted_device_days: number;
  updated_at: Timestamp;
}
