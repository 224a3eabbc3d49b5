/** The admin layer for the server: its store, who calls it (actor.ts), and the use-cases the API and the admin center call. */
import type { Services } from '../services.js';
import type { Lifecycle } from '../accounts/lifecycle.js';
import type { FactorStore } from '../factors/store.js';
import type { ScimTokens } from '../provisioning/tokens.js';
import type { AccessTokenVerifier } from '../oidc/access-tokens.js';
import type { ConnectorStore } from '../connectors/store.js';
import type { FailureNotifier } from '../provisioning/notify.js';
import type { SamlAdmin } from '../saml/index.js';
import { createAdminBranding } from '../branding/admin.js';
import { createActors } from './actor.js';
import { createAdminUsers } from './users.js';
import { createAdminAuditLog } from './audit-log.js';
import { createAdminCore } from './core.js';

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
    saml?: Pick<SamlAdmin, 'registry'>;
  },
) {
  const core = createAdminCore(services, {
    factors: d.factors,
    tokens: d.tokens,
    connectors: d.connectors,
    notifier: d.notifier,
    saml: d.saml,
  });
  const { store } = core;
  const actors = createActors({
    issuer: services.config.server.issuer,
    store,
    verify: (t, aud, scope) => d.accessTokens.verify(t, aud, scope),
  });
  const useCases = {
    users: createAdminUsers({
      store,
      accounts: services.accounts,
      orgs: services.orgs,
      lifecycle: d.lifecycle,
      audit: services.audit,
      signOutAll: d.signOutAll,
      resetFactors: (userId) => d.factors.resetEnrolments([userId]),
      deletion: core.deletion,
      retentionDays: core.retentionDays,
    }),
    purge: core.purge,
    sessions: core.sessions,
    groups: core.groups,
    organization: core.organization,
    audit: createAdminAuditLog(store),
    company: core.company,
    apps: services.appAdmin,
    samlSps: core.samlSps,
    clients: core.clients,
    branding: createAdminBranding({ branding: services.branding, audit: services.audit }),
  };
  return { store, actors, useCases };
}

export type Admin = ReturnType<typeof createAdmin>;
