/**
 * The policy gate's rule for company sign-ins (method 'sso'). Rules:
 * - the connection must still exist and be enabled, and its organization be active, when the gate
 *   runs (also after a second factor: a connection switched off meanwhile stops the sign-in);
 * - upstream MFA trust: `require` demands Wayfinder's second factor (of high assurance, trusted
 *   device or not); `trust` counts the IdP's MFA as a factor (the flow adds it to the factors when
 *   the IdP reported it); `none` leaves it to the two-step policy.
 */
import type { GateRule } from '../login/gate.js';
import type { OrgStore } from '../orgs/store.js';
import type { ConnectorStore } from './store.js';

export const CONNECTION_DEMAND = 'connection';

export function connectionRule(store: ConnectorStore, orgs: OrgStore): GateRule {
  return {
    name: 'company-connection',
    async check(auth, gctx) {
      if (!auth.connection) return auth.method === 'sso' ? { kind: 'deny', reason: 'login.connection_disabled' } : undefined;
      const row = await store.findConnection(auth.connection.id);
      if (!row || !row.enabled || row.org_id !== auth.connection.orgId) return { kind: 'deny', reason: 'login.connection_disabled' };
      const org = await orgs.findById(row.org_id);
      if (org?.status !== 'active') return { kind: 'deny', reason: 'login.organization_disabled' };
      if (row.settings.mfa_trust === 'require') gctx.demands?.push(CONNECTION_DEMAND);
      return undefined;
    },
  };
}
