/** The admin layer: its store, who calls it, and the use-cases the API (and later the CLI and pages) call. */
import type { Services } from '../services.js';
import type { Lifecycle } from '../accounts/lifecycle.js';
import type { FactorStore } from '../factors/store.js';
import type { ScimTokens } from '../provisioning/tokens.js';
import type { AccessTokenVerifier } from '../oidc/access-tokens.js';
import { createActors } from './actor.js';
import { createAdminStore } from './store.js';
import { createAdminUsers } from './users.js';
import { createAdminOrganization } from './organization.js';
import { createAdminAuditLog } from './audit-log.js';
import { createAdminCompany } from './company.js';
import { createDeletionStore } from '../accounts/deletion-store.js';
import { createAdminPurge } from './purge.js';
import { createAdminGroups } from './groups.js';
import { createAdminSessions } from './sessions.js';
import { boundsOf } from '../orgs/session-lengths.js';
import { createGroupStore } from './group-store.js';
import { createDomains, systemDns } from '../orgs/domains.js';
import type { ConnectorStore } from '../connectors/store.js';
import { issueTestLink } from '../connectors/test-links.js';
import type { FailureNotifier } from '../provisioning/notify.js';

export function createAdmin(
  services: Services,
  d: {
    lifecycle: Lifecycle;
    factors: FactorStore;
    tokens: ScimTokens;
    accessTokens: AccessTokenVerifier;
    connectors: ConnectorStore;
    notifier: FailureNotifier;
    signOutAll: (userId: string) => Promise<unknown>;
  },
) {
  const store = createAdminStore(services.db);
  const actors = createActors({
    issuer: services.config.server.issuer,
    store,
    verify: (t, aud, scope) => d.accessTokens.verify(t, aud, scope),
  });
  const deletion = createDeletionStore(services.db);
  const retentionDays = services.config.accounts.deletedRetentionDays;
  const useCases = {
    users: createAdminUsers({
      store,
      accounts: services.accounts,
      orgs: services.orgs,
      lifecycle: d.lifecycle,
      audit: services.audit,
      signOutAll: d.signOutAll,
      resetFactors: (userId) => d.factors.resetEnrolments([userId]),
      deletion,
      retentionDays,
    }),
    purge: createAdminPurge({ deletion, audit: services.audit, retentionDays }),
    sessions: createAdminSessions({ orgs: services.orgs, audit: services.audit, bounds: boundsOf(services.config) }),
    groups: createAdminGroups({ groups: createGroupStore(services.db), store, audit: services.audit }),
    organization: createAdminOrganization({ tokens: d.tokens, factors: d.factors, audit: services.audit, notifier: d.notifier }),
    audit: createAdminAuditLog(store),
    company: createAdminCompany({
      orgs: services.orgs,
      domains: createDomains(services.orgs, systemDns(services.config.federation)),
      connections: {
        list: (orgId) => d.connectors.connectionsOf(orgId),
        find: (id) => d.connectors.findConnection(id),
        setEnabled: (id, enabled) => d.connectors.setEnabled(id, enabled),
      },
      hasTestedConnection: (orgId) => d.connectors.hasTestedConnection(orgId),
      issueTestLink: (id) => issueTestLink(d.connectors, services.config.server.issuer, id),
      administrators: (orgId) => store.administratorsOf(orgId),
      audit: services.audit,
    }),
  };
  return { store, actors, useCases };
}

export type Admin = ReturnType<typeof createAdmin>;
