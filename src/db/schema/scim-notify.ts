/** Table types for kysely: provisioning-error notification (migrations/2026-12-03T1030_scim_notify.ts). Keep in step with migrations/. */
import type { Generated, JSONColumnType } from 'kysely';
import type { NullableTimestamp, Timestamp } from './columns.js';

/** One failed SCIM request as the notification mail names it: no token, no person's data. */
export interface ScimFailure {
  status: number;
  scimType?: string;
  method: string;
  path: string;
  at: string;
}

export interface ScimFailureTable {
  org_id: string;
  /** Failed requests in a row (a success resets it). */
  failures: Generated<number>;
  /** The newest first, at most the notification threshold of them. */
  last_errors: JSONColumnType<ScimFailure[]>;
  notified_at: NullableTimestamp;
  updated_at: Timestamp;
}

export interface ScimNotifyDB {
  scim_failures: ScimFailureTable;
}
