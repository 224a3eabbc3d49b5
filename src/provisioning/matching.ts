/**
 * Company sign-in meets provisioning: the first SSO sign-in of a provisioned person lands on the
 * account SCIM created. Rules:
 * - the match is on the connection's stable subject, never on email: by default the SCIM
 *   `externalId` (Entra ID's object id — the part of our `tid/oid` subject after the tenant — or
 *   Okta's user id); a connection can say `scim_match: user_name` to match on userName instead;
 * - only people provisioned (and not deleted) in the connection's own organization match;
 * - an account provisioned in the organization is never linked by email: a sign-in whose subject
 *   does not match it is refused (see linking.ts).
 */
import type { ScimStore } from './store.js';

export interface ProvisionedMatch {
  /** The provisioned person of the connection's organization this subject is, if any. */
  match(conn: { orgId: string; settings: Record<string, unknown> }, subject: string): Promise<string | undefined>;
  /** Whether the account was provisioned by this organization (then only a subject match links it). */
  isProvisioned(orgId: string, userId: string): Promise<boolean>;
}

export function createProvisionedMatch(store: ScimStore): ProvisionedMatch {
  return {
    async match(conn, subject) {
      const by = conn.settings.scim_match === 'user_name' ? 'user_name' : 'external_id';
      const candidates = [subject];
      // Entra ID over OIDC: our subject is `tid/oid`, SCIM's externalId the object id alone.
      if (conn.settings.variant === 'entra' && subject.includes('/')) candidates.push(subject.slice(subject.lastIndexOf('/') + 1));
      return store.match(conn.orgId, by, candidates);
    },
    async isProvisioned(orgId, userId) {
      const record = await store.recordOf(userId);
      return record?.org_id === orgId && !record.deleted_at;
    },
  };
}
