/** Table types for kysely: device sign-in polls and ad hoc support pairing (migrations/2026-12-03T1040_device_support.ts). */
import type { Generated, JSONColumnType } from 'kysely';
import type { NullableTimestamp, Timestamp } from './columns.js';

export interface DevicePollTable {
  code_hash: string;
  interval_seconds: number;
  last_poll_at: Timestamp;
  /** The last poll came before the interval had passed (it was answered slow_down). */
  too_fast: Generated<boolean>;
  expires_at: Timestamp;
}

export interface SupportSessionTable {
  id: string;
  org_id: string;
  technician_id: string;
  customer_email: string;
  password_hash: string;
  code_hash: string;
  status: 'pending' | 'active' | 'ended';
  created_at: Timestamp;
  code_expires_at: Timestamp;
  activated_at: NullableTimestamp;
  ends_at: NullableTimestamp;
  ended_at: NullableTimestamp;
  ended_by: string | null;
  device_key: JSONColumnType<{ kty: 'EC'; crv: 'P-256'; x: string; y: string }> | null;
  activation_ip: string | null;
}

export interface OrgSupportLimitTable {
  org_id: string;
  session_limit: number;
}

export interface SupportDB {
  device_polls: DevicePollTable;
  support_sessions: SupportSessionTable;
  org_support_limits: OrgSupportLimitTable;
}
