/** Table types for kysely: apps and who may use them (migrations/2026-12-03T1400_apps.ts). */
import type { Generated } from 'kysely';
import type { Timestamp } from './columns.js';

export interface AppTable {
  /** `oidc-<client_id>` or `saml-<sp id>`. */
  id: string;
  kind: 'oidc' | 'saml';
  client_id: string | null;
  sp_id: string | null;
  /** Overrides the registration's name (client_name / display_name) when set. */
  name: string | null;
  /** Language tag → name (OIDC Registration's `client_name#fr`). */
  names: Generated<Record<string, string>>;
  logo_url: string | null;
  icon: Buffer | null;
  icon_type: string | null;
  icon_etag: string | null;
  /** OIDC: initiate_login_uri (overrides the client metadata's); SAML: where the app starts its own sign-in. */
  launch_url: string | null;
  target_link_uri: string | null;
  trial_url: string | null;
  /** Only members of the listed organizations or groups may use it; false: everyone. */
  restricted: Generated<boolean>;
  updated_at: Timestamp;
}

export interface AppAccessOrgTable {
  app_id: string;
  org_id: string;
}

export interface AppAccessGroupTable {
  app_id: string;
  group_id: string;
}

export interface AppsDB {
  apps: AppTable;
  app_access_orgs: AppAccessOrgTable;
  app_access_groups: AppAccessGroupTable;
}
