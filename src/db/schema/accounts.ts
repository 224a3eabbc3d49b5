/** Table types for kysely: people, organizations, domains, groups, passwords, emailed links, sign-in journeys, session details. Keep in step with migrations/. */
import type { Generated, JSONColumnType } from 'kysely';
import type { Timestamp, NullableTimestamp } from './columns.js';

export interface UserTable {
  id: string;
  email: string;
  email_norm: string;
  email_verified: boolean;
  name: string | null;
  given_name: string | null;
  family_name: string | null;
  locale: string | null;
  status: 'active' | 'invited' | 'pending' | 'disabled';
  mfa_reenrol: Generated<boolean>;
  created_at: Timestamp;
  updated_at: Timestamp;
  /** Soft delete (an administrator's delete or SCIM DELETE): hidden, cannot sign in, purged after retention (migrations/2026-12-03T1410_admin_more.ts). */
  deleted_at: NullableTimestamp;
}

export interface OrganizationTable {
  id: string;
  slug: string;
  name: string;
  status: Generated<'active' | 'disabled'>;
  /** SSO-only enforcement: `pending` waits for a successful test sign-in through a connection. */
  sso_only: Generated<'off' | 'pending' | 'on'>;
  sso_only_since: NullableTimestamp;
  created_at: Timestamp;
  /** Where mail goes when SCIM provisioning keeps failing, and its language (migrations/2026-12-03T1030_scim_notify.ts). */
  provisioning_notify_email: string | null;
  provisioning_notify_lang: string | null;
  /** Session lengths the organization chose (null: the deployment's); see login/session-policy.ts. */
  session_max_hours: number | null;
  session_remember_days: number | null;
  session_policy_changed_at: NullableTimestamp;
}

export interface MembershipTable {
  org_id: string;
  user_id: string;
  role: 'member' | 'admin' | 'support';
  /** A named administrator who keeps password + second factor when the organization is SSO-only. */
  break_glass: Generated<boolean>;
  created_at: Timestamp;
}

export interface OrgDomainTable {
  id: string;
  org_id: string;
  domain: string;
  /** The value expected in the DNS TXT record. */
  token: string;
  verified_at: NullableTimestamp;
  verified_by: 'dns' | 'operator' | 'bootstrap' | null;
  created_at: Timestamp;
}

export interface GroupTable {
  id: string;
  org_id: string;
  name: string;
}

export interface GroupMemberTable {
  group_id: string;
  user_id: string;
}

export interface PasswordCredentialTable {
  user_id: string;
  hash: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ActionTokenTable {
  id_hash: string;
  purpose: 'verify_email' | 'reset_password' | 'invitation' | 'change_email';
  user_id: string;
  /** change_email: the address the link confirms (migrations/2026-12-03T1430_account.ts). */
  new_email: string | null;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
  created_at: Timestamp;
}

export interface LoginJourneyTable {
  uid: string;
  state: JSONColumnType<Record<string, unknown>>;
  expires_at: Timestamp;
}

export interface SessionMetaTable {
  session_uid: string;
  user_id: string;
  ip: string | null;
  user_agent: string | null;
  created_at: Timestamp;
  last_seen_at: Timestamp;
}
