/** Table types for kysely: branding per deployment, organization and app (migrations/2026-12-03T1420_branding.ts). */
import type { ColumnType, Generated } from 'kysely';

export interface BrandingTable {
  /** 'deployment' (scope_id ''), 'org' (an organization id) or 'client' (a client id; SAML apps: their internal client). */
  scope: 'deployment' | 'org' | 'client';
  scope_id: string;
  settings: ColumnType<Record<string, string>, string, string>;
  logo: Buffer | null;
  logo_type: string | null;
  favicon: Buffer | null;
  favicon_type: string | null;
  updated_at: Generated<Date>;
}

export interface BrandingDB {
  branding: BrandingTable;
}
