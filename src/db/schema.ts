/** Table types for kysely. Keep in step with migrations/. */
import type { ColumnType, Generated, JSONColumnType } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export interface OidcModelTable {
  kind: string;
  id: string;
  payload: JSONColumnType<Record<string, unknown>>;
  grant_id: string | null;
  uid: string | null;
  user_code: string | null;
  account_id: string | null;
  expires_at: NullableTimestamp;
  consumed_at: NullableTimestamp;
}

export interface SigningKeyTable {
  kid: string;
  alg: 'ES256' | 'RS256';
  status: 'next' | 'active' | 'retired';
  private_jwk_enc: string;
  public_jwk: JSONColumnType<Record<string, unknown>>;
  created_at: Timestamp;
  activated_at: NullableTimestamp;
  retired_at: NullableTimestamp;
  /** A retired key is dropped after this: every token it signed has expired by then. */
  expires_at: NullableTimestamp;
}

export interface OidcClientTable {
  client_id: string;
  metadata: JSONColumnType<Record<string, unknown>>;
  secret_enc: string | null;
  first_party: boolean;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ResourceServerTable {
  identifier: string;
  scopes: JSONColumnType<string[]>;
  access_token_ttl: number;
  created_at: Timestamp;
}

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
}

export interface MembershipTable {
  org_id: string;
  user_id: string;
  role: 'member' | 'admin';
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

export interface PasswordCredentialTable {
  user_id: string;
  hash: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface AuditEventTable {
  id: Generated<string>;
  at: Timestamp;
  type: string;
  outcome: 'success' | 'failure' | 'info';
  user_id: string | null;
  client_id: string | null;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  data: JSONColumnType<Record<string, unknown>>;
}

export interface ActionTokenTable {
  id_hash: string;
  purpose: 'verify_email' | 'reset_password' | 'invitation';
  user_id: string;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
  created_at: Timestamp;
}

export interface ThrottleTable {
  key: string;
  failures: number;
  first_failure_at: Timestamp;
  blocked_until: NullableTimestamp;
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

export interface GroupTable {
  id: string;
  org_id: string;
  name: string;
}
export interface GroupMemberTable {
  group_id: string;
  user_id: string;
}

export interface MfaPolicyTable {
  org_id: string;
  required: 'off' | 'all' | 'groups';
  group_names: JSONColumnType<string[]>;
  primary_method: string;
  trusted_device_days: number;
  updated_at: Timestamp;
}

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

/** The digest of each bootstrap entry as last applied (src/bootstrap/store.ts). */
export interface BootstrapAppliedTable {
  entry: string;
  digest: string;
  notes: JSONColumnType<string[]>;
  applied_at: Generated<Date>;
}

export interface DB {
  org_domains: OrgDomainTable;
  connections: ConnectionTable;
  linked_identities: LinkedIdentityTable;
  connector_states: ConnectorStateTable;
  sso_seen_assertions: SsoSeenAssertionTable;
  saml_service_providers: SamlServiceProviderTable;
  saml_certificates: SamlCertificateTable;
  saml_pending_requests: SamlPendingRequestTable;
  saml_seen_ids: SamlSeenIdTable;
  saml_subjects: SamlSubjectTable;
  saml_participants: SamlParticipantTable;
  saml_logouts: SamlLogoutTable;
  user_factors: UserFactorTable;
  recovery_codes: RecoveryCodeTable;
  factor_challenges: FactorChallengeTable;
  trusted_devices: TrustedDeviceTable;
  groups: GroupTable;
  group_members: GroupMemberTable;
  mfa_policies: MfaPolicyTable;
  login_journeys: LoginJourneyTable;
  session_meta: SessionMetaTable;
  oidc_models: OidcModelTable;
  signing_keys: SigningKeyTable;
  oidc_clients: OidcClientTable;
  resource_servers: ResourceServerTable;
  organizations: OrganizationTable;
  memberships: MembershipTable;
  users: UserTable;
  password_credentials: PasswordCredentialTable;
  audit_events: AuditEventTable;
  action_tokens: ActionTokenTable;
  throttles: ThrottleTable;
  bootstrap_applied: BootstrapAppliedTable;
}

// Social sign-in (migrations/2026-12-02T1300_social.ts): connections to social providers, which belong to no organization.
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
export interface DB {
  social_connections: SocialConnectionTable;
  social_links: SocialLinkTable;
  social_states: SocialStateTable;
}
