/**
 * The SAML 2.0 identity provider, wired: one validator (installed into samlify before anything
 * parses), the SP registry, the signing certificates, SSO (riding on the OIDC sign-in, each SP as an
 * internal first-party client `wayfinder-saml.<sp id>`) and SLO. Our entity ID is
 * `${issuer}/saml/metadata`.
 */
import type { Services } from '../services.js';
import type { Oidc } from '../oidc/provider.js';
import type { Sessions } from '../oidc/sessions.js';
import type { ClientRegistry } from '../clients/registry.js';
import { createInternalCodes } from '../oidc/internal-code.js';
import { ttlCache } from '../lib/ttl-cache.js';
import { createXmlValidator } from './validator.js';
import { installValidator } from './lib.js';
import { createSamlStore } from './store.js';
import { createSpRegistry } from './registry.js';
import { createCertificates } from './certificates.js';
import { createIdp } from './idp.js';
import { createSso, samlClientId } from './sso.js';
import { createSlo } from './slo.js';
import { samlRoutes } from './routes.js';
import type { ServiceProvider } from './registry.js';

export { samlClientId };

/**
 * Each SP's internal OIDC client (first-party: no consent page; public, PKCE), written by this
 * process when a sign-in needs it, then again at most once a minute (or at once when the SP's name
 * changed) — so it carries this instance's issuer in its redirect URI whoever registered the SP, and
 * comes back within a minute if another process removed it.
 */
function internalClients(clients: ClientRegistry, issuer: string) {
  const written = ttlCache<true>(60_000);
  return async (sp: ServiceProvider) => {
    await written.get(`${sp.id}\n${sp.displayName}`, async () => {
      await clients.upsert({
        client_id: samlClientId(sp.id),
        client_name: sp.displayName,
        token_endpoint_auth_method: 'none',
        first_party: true,
        redirect_uris: [`${issuer}/saml/callback`],
        grant_types: ['authorization_code'],
      });
      return true;
    });
  };
}

/** The parts that need only the database (the CLI and the bootstrap use these). */
export function createSamlAdmin(services: Pick<Services, 'db' | 'box' | 'config' | 'clients'>) {
  const { config } = services;
  const validator = createXmlValidator(config.saml.maxMessageBytes);
  installValidator(validator);
  const store = createSamlStore(services.db);
  const issuer = config.server.issuer;
  const registry = createSpRegistry(store, validator);
  return {
    validator,
    store,
    registry: {
      ...registry,
      /** Removes the SP and its internal OIDC client. */
      async remove(idOrEntityId: string) {
        const row = (await store.findSp(idOrEntityId)) ?? (await store.findSpByEntityId(idOrEntityId));
        if (!row || !(await registry.remove(row.id))) return false;
        await services.clients.remove(samlClientId(row.id));
        return true;
      },
    },
    certificates: createCertificates(store, services.box, {
      commonName: new URL(issuer).hostname,
      retiredSeconds: config.saml.retiredCertificateSeconds,
      refreshMs: config.oidc.keyRefreshSeconds * 1000,
    }),
  };
}

export type SamlAdmin = ReturnType<typeof createSamlAdmin>;

export function createSaml(services: Services, oidc: Oidc, sessions: Sessions) {
  const { config, audit } = services;
  const issuer = config.server.issuer;
  const entityId = `${issuer}/saml/metadata`;
  const admin = createSamlAdmin(services);
  const limits = config.saml;
  const idp = createIdp({ issuer, entityId, certificates: admin.certificates, clockSkewSeconds: limits.clockSkewSeconds });
  const common = { issuer, entityId, limits, store: admin.store, registry: admin.registry, idp, validator: admin.validator, audit };
  const sso = createSso({
    ...common,
    accounts: services.accounts,
    codes: createInternalCodes(oidc),
    ensureClient: internalClients(services.clients, issuer),
    pendingTtlSeconds: config.oidc.interactionTtl,
    sessionTtlSeconds: config.session.rememberDays * 86400,
    organizationsOf: async (userId) => (await services.orgs.membershipsOf(userId)).map((m) => m.slug),
  });
  const slo = createSlo({ ...common, sessions });
  return {
    ...admin,
    idp,
    sso,
    slo,
    entityId,
    routes: () => samlRoutes({ issuer, maxMessageBytes: limits.maxMessageBytes, sso, slo, idp, audit }),
    purgeExpired: () => admin.store.purgeExpired(),
  };
}
export type Saml = ReturnType<typeof createSaml>;
