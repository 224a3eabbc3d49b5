/** Table types for kysely: clients of the admin API (migrations/2026-12-03T1050_admin.ts). */
import type { Generated } from 'kysely';

export interface AdminClientTable {
  client_id: string;
  /** The organization it administers; null for an operator client (every organization). */
  org_id: string | null;
  operator: Generated<boolean>;
}

export interface AdminDB {
  admin_clients: AdminClientTable;
}
