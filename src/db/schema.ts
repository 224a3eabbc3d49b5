/** Table types for kysely, one file per area under schema/ (keep in step with migrations/); DB names every table. */
import type { ScimDB } from './schema/scim.js';
import type { ScimNotifyDB } from './schema/scim-notify.js';
import type { SocialDB } from './schema/social.js';
import type { SupportDB } from './schema/support.js';
import type { AdminDB } from './schema/admin.js';
import type { AppsDB } from './schema/apps.js';
import type { BrandingDB } from './schema/branding.js';
import type {
  AuditEventTable,
  BootstrapAppliedTable,
  OidcClientTable,
  OidcModelTable,
  ResourceServerTable,
  SigningKeyTable,
  ThrottleTable,
} from './schema/platform.js';
import type {
  ActionTokenTable,
  GroupMemberTable,
  GroupTable,
  LoginJourneyTable,
  MembershipTable,
  OrgDomainTable,
  OrganizationTable,
  PasswordCredentialTable,
  SessionMetaTable,
  UserTable,
} from './schema/accounts.js';
import type { FactorChallengeTable, MfaPolicyTable, RecoveryCodeTable, TrustedDeviceTable, UserFactorTable } from './schema/factors.js';
import type { ConnectionTable, ConnectorStateTable, LinkedIdentityTable, SsoSeenAssertionTable } from './schema/federation.js';
import type {
  SamlCertificateTable,
  SamlLogoutTable,
  SamlParticipantTable,
  SamlPendingRequestTable,
  SamlSeenIdTable,
  SamlServiceProviderTable,
  SamlSubjectTable,
} from './schema/saml.js';

export type * from './schema/platform.js';
export type * from './schema/accounts.js';
export type * from './schema/factors.js';
export type * from './schema/federation.js';
export type * from './schema/saml.js';
export type * from './schema/scim.js';
export type * from './schema/scim-notify.js';
export type * from './schema/social.js';
export type * from './schema/support.js';
export type * from './schema/admin.js';
export type * from './schema/apps.js';
export type * from './schema/branding.js';

export interface DB extends ScimDB, ScimNotifyDB, SocialDB, SupportDB, AdminDB, AppsDB, BrandingDB {
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
