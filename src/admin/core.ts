/**
 * The admin use-cases that need only the services (database, configuration, audit): company sign-in,
 * company connections, organization settings, groups, session lengths, the purge, OIDC clients,
 * SAML service providers and signing certificates, and the installation's accounts (operators). The
 * server (admin/index.ts, for the API and the admin center) and the CLI (cli/admin.ts) assemble them here, so all three call the same functions; the CLI passes an audit
 * that names it as the actor.
 */
import type { Services } from '../services.js';
import type { Audit } from '../audit/index.js';
import { createDeletionStore } from '../accounts/deletion-store.js';
import { createConnectorStore, type ConnectorStore } from '../connectors/store.js';
import { issueTestLink } from '../connectors/test-links.js';
import { createFactorStore, type FactorStore } from '../factors/store.js';
import { createDomains, systemDns } from '../orgs/domains.js';
import { boundsOf } from '../orgs/session-lengths.js';
import { notifierOf, type FailureNotifier } from '../provisioning/notify.js';
import { createScimStore } from '../provisioning/store.js';
import { createScimTokens, type ScimTokens } from '../provisioning/tokens.js';
import { createAdminCompany } from './company.js';
import { createGroupStore } from './group-store.js';
import { createAdminGroups } from './groups.js';
import { createAdminOrganization } from './organization.js';
import { createAdminPurge } from './purge.js';
import { createAdminSessions } from './sessions.js';
import { createAdminStore } from './store.js';
import { createAdminSamlSps } from './saml-sps.js';
import { createAdminClients } from './clients.js';
import { createAdminConnections } from './connections.js';
import { createAdminAccounts } from './accounts.js';
import { createAdminSamlCerts } from './saml-certs.js';
import { companyAdmin, type CompanyAdmin } from '../connectors/admin.js';
import type { SamlAdmin } from '../saml/index.js';

export interface CoreParts {
  audit?: Audit;
  factors?: FactorStore;
  tokens?: ScimTokens;
  connectors?: ConnectorStore;
  notifier?: FailureNotifier;
  /** The server's SAML registry (its caches see a change at once); otherwise one is loaded on first use. */
  saml?: Pick<SamlAdmin, 'registry'>;
  /** Who calls (as SCIM events name it): the server's admin API and center, or the CLI. */
  via?: 'admin' | 'cli';
}

export function createAdminCore(services: Services, parts: CoreParts = {}) {
  const audit = parts.audit ?? services.audit;
  const store = createAdminStore(services.db);
  const factors = parts.factors ?? createFactorStore(services.db);
  const connectors = parts.connectors ?? createConnectorStore(services.db);
  const deletion = createDeletionStore(services.db);
  const retentionDays = services.config.accounts.deletedRetentionDays;
  let connectionAdmin: CompanyAdmin | undefined;
  const connections = createAdminConnections({ company: () => (connectionAdmin ??= companyAdmin(services)), orgs: services.orgs, audit });
  // Loaded on demand: samlify and libxml2 are not for every CLI command.
  let samlAdmin: Promise<SamlAdmin> | undefined;
  const fullSaml = () => (samlAdmin ??= import('../saml/index.js').then((m) => m.createSamlAdmin(services)));
  const given = parts.saml;
  const saml = given ? async () => given : fullSaml;
  return {
    store,
    factors,
    deletion,
    retentionDays,
    purge: createAdminPurge({ deletion, audit, retentionDays }),
    sessions: createAdminSessions({ orgs: services.orgs, audit, bounds: boundsOf(services.config) }),
    groups: createAdminGroups({ groups: createGroupStore(services.db), store, audit }),
    organization: createAdminOrganization({
      tokens: parts.tokens ?? createScimTokens(createScimStore(services.db), audit),
      factors,
      audit,
      notifier: parts.notifier ?? notifierOf(services),
      via: parts.via,
    }),
    clients: createAdminClients({
      clients: services.clients,
      audit,
      appStore: services.appStore,
      apps: services.appAdmin,
      isAdminClient: async (clientId) => Boolean(await store.adminClient(clientId)),
      accessChanged: () => services.launcher.changed(),
    }),
    connections,
    accounts: createAdminAccounts({ accounts: services.accounts, users: services.users, factors, audit }),
    samlCerts: createAdminSamlCerts({ saml: fullSaml, audit }),
    samlSps: createAdminSamlSps({
      saml,
      appStore: services.appStore,
      apps: services.appAdmin,
      audit,
      accessChanged: () => services.launcher.changed(),
    }),
    company: createAdminCompany({
      orgs: services.orgs,
      domains: createDomains(services.orgs, systemDns(services.config.federation)),
      connections: {
        list: (orgId) => connectors.connectionsOf(orgId),
        find: (id) => connectors.findConnection(id),
        setEnabled: (id, enabled) => connectors.setEnabled(id, enabled),
        remove: (id) => connectors.removeConnection(id),
        save: (ctx, orgId, raw, createOnly) => connections.save(ctx, orgId, raw, { source: 'body', createOnly }),
      },
      issueTestLink: (id) => issueTestLink(connectors, services.config.server.issuer, id),
      administrators: (orgId) => store.administratorsOf(orgId),
      audit,
    }),
  };
}
export type AdminCore = ReturnType<typeof createAdminCore>;
