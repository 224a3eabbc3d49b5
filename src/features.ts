/**
 * Wires each feature's use-cases from the shared services and the provider. Entry points (routes,
 * tests) take what they need from here rather than building their own copies.
 */
import { cardOf } from './apps/launcher.js';
import { samlClientId } from './saml/sso.js';
import { createRouting } from './routing/index.js';
import { samlDestinations } from './saml/destinations.js';
import { ACCOUNT_CLIENT_ID } from './accounts/current-person.js';
import type { Services } from './services.js';
import type { Oidc } from './oidc/provider.js';
import type { Metrics } from './http/metrics.js';
import { pickLanguage } from './http/i18n.js';
import { createInteractions } from './oidc/interactions.js';
import { createSessions } from './oidc/sessions.js';
import { createLoginStore } from './login/store.js';
import { createClientAuthThrottle, createRateLimiter, createThrottle } from './login/throttle.js';
import { accountActiveRule, createGate } from './login/gate.js';
import { createJourney } from './login/journey.js';
import { createMailer, type Mailer } from './notify/mailer.js';
import { buildEmail } from './notify/emails.js';
import { createLifecycle } from './accounts/lifecycle.js';
import { createFactorStore } from './factors/store.js';
import { createTrustedDevices } from './factors/trusted-devices.js';
import { createSessionPolicy } from './login/session-policy.js';
import { createSessionAge } from './orgs/session-lengths.js';
import { createFactorEnv } from './factors/env.js';
import { twoStepRule } from './factors/policy.js';
import { createPasskeySignIn } from './factors/passkeys.js';
import { createSaml } from './saml/index.js';
import { createSmsSender, smsCodeText } from './notify/sms.js';
import { createPushStore } from './factors/push-store.js';
import { createWebhookTransport } from './notify/push-transport.js';
import { createConnectorStore } from './connectors/store.js';
import { createConnections } from './connectors/connections.js';
import { createGuardedFetch } from './connectors/fetch.js';
import { createFederation } from './connectors/federation.js';
import { createLinking } from './connectors/linking.js';
import { createMetadataRefresher } from './connectors/saml-metadata.js';
import { connectionRule } from './connectors/rules.js';
import { createDiscovery } from './orgs/discovery.js';
import { localPasswordAllowed, ssoOnlyRule } from './orgs/sso-only.js';
import { createMyAccount } from './accounts/my-account.js';
import { createProvisioning } from './provisioning/index.js';
import { createProvisionedMatch } from './provisioning/matching.js';
import { createAccessTokenVerifier } from './oidc/access-tokens.js';
import { createSocialStore } from './connectors/social/store.js';
import { createSocialConnections } from './connectors/social/connections.js';
import { createSocialFlow } from './connectors/social/flow.js';
import { createSocialLinking } from './connectors/social/linking.js';
import { createSocialSignIn } from './connectors/social/sign-in.js';
import { socialConnectionRule } from './connectors/social/rule.js';
import { createDeviceSignIn } from './device/index.js';
import { createSupport } from './support/index.js';
import { createAdmin } from './admin/index.js';
import { appAccessRule, mayUseClient } from './apps/rule.js';

const SAML_CLIENT_PREFIX = samlClientId('');
import { brandedInteractions, brandedMailer, personOrg } from './branding/wiring.js';

export function createFeatures(services: Services, oidc: Oidc, metrics: Metrics, givenMailer?: Mailer) {
  const { config, log, audit } = services;
  const issuer = config.server.issuer;
  const orgOfPerson = personOrg(services);
  const mailer = brandedMailer(givenMailer ?? createMailer(config, log), services, orgOfPerson);
  const loginStore = createLoginStore(services.db);
  const throttle = createThrottle(loginStore, config.throttle);
  const clientAuthThrottle = createClientAuthThrottle(loginStore, config.throttle);
  const interactions = brandedInteractions(createInteractions(oidc));
  const sessions = createSessions(oidc, log);
  // Declared before company ID, whose connections, federation and metadata refresher validate XML with
  // the SAML schema validator.
  const saml = createSaml(services, oidc, sessions);
  // Where a person goes next, and recovery of lost flows (src/routing/).
  const routing = createRouting({
    issuer,
    clients: services.clients,
    samlUrls: samlDestinations(saml.registry),
    requestOf: (uid) => interactions.requestOf(uid),
    signedIn: async (ctx) => {
      const session = await sessions.current(ctx);
      return !!session && (await services.accounts.findUser(session.accountId!))?.status === 'active';
    },
    ownLaunch: { [ACCOUNT_CLIENT_ID]: '/account' },
    launchOf: async (clientId) => {
      const saml = clientId.startsWith(SAML_CLIENT_PREFIX);
      const id = await services.appStore.idOf(saml ? 'saml' : 'oidc', saml ? clientId.slice(SAML_CLIENT_PREFIX.length) : clientId);
      const row = id ? await services.appStore.find(id) : undefined;
      return row && cardOf(row, 'en').launchUrl;
    },
  });

  const factorStore = createFactorStore(services.db);
  const trusted = createTrustedDevices(factorStore, issuer.startsWith('https:'));
  const smsSender = createSmsSender(config, log);
  const envFor = createFactorEnv(issuer, factorStore, services.box, {
    sendSmsCode: smsSender && ((to, code, lang) => smsSender.send(to, smsCodeText(pickLanguage([lang]) ?? 'en', code, issuer))),
    smsDailyCap: config.sms.dailyCap,
    async sendEmailCode(user, code, lang) {
      await mailer.send(
        buildEmail('login_code', pickLanguage([lang]) ?? 'en', user.email, { name: user.name ?? undefined, code, minutes: 10 }),
      );
    },
    audit: (ctx, type, outcome, userId, data) => audit.record(ctx, { type, outcome, userId, data }),
    push: {
      store: createPushStore(services.db),
      transport: createWebhookTransport(config.push.webhookUrl, log),
      challengeSeconds: config.push.challengeSeconds,
      longPollSeconds: config.push.longPollSeconds,
    },
  });

  // Company ID: connections, home realm discovery, and the gate's SSO rules (before two-step verification).
  const connectorStore = createConnectorStore(services.db);
  const connections = createConnections(connectorStore, services.box, () => saml.validator);
  const discovery = createDiscovery({ store: services.orgs, enabledConnections: (orgId) => connections.enabledOf(orgId) });
  const guardedFetch = createGuardedFetch(config.federation);

  // Social sign-in: connections of no organization, checked by the gate like company ones.
  const socialStore = createSocialStore(services.db);
  const socialConnections = createSocialConnections(socialStore, services.box);

  const gate = createGate([
    accountActiveRule,
    appAccessRule(services.launcher),
    connectionRule(connectorStore, services.orgs),
    socialConnectionRule(socialStore),
    ssoOnlyRule(services.orgs),
    twoStepRule(factorStore),
  ]);
  const journey = createJourney({
    store: loginStore,
    accounts: services.accounts,
    hasher: services.hasher,
    throttle,
    gate,
    audit,
    metrics,
    interactions,
    ttlSeconds: config.oidc.interactionTtl,
    isTrustedDevice: (ctx, userId) => trusted.isTrusted(ctx, userId),
    discover: (email) => discovery.byEmail(email),
    discoverDomain: (domain) => discovery.byDomain(domain),
  });
  const sessionPolicy = createSessionPolicy({
    accounts: services.accounts,
    gate,
    policyStamp: (userId) => factorStore.policyStamp(userId),
    isTrustedDevice: (ctx, userId) => trusted.isTrusted(ctx, userId),
    mayUseApp: mayUseClient(services.launcher),
  });
  oidc.useSessionPolicy(sessionPolicy);
  // Session lengths an organization chose (orgs/session-lengths.ts): a session past them signs in again.
  // Refresh tokens too: they never outlive those lengths, counted from their sign-in (oidc/refresh-token-limit.ts).
  const lengthsFor = (userId: string) => services.orgs.sessionLengthsFor(userId);
  const sessionAge = createSessionAge({ lengthsFor });
  oidc.useSessionAge(sessionAge);
  oidc.useSessionLengths(lengthsFor);
  // SCIM provisioning: disabling a person signs them out everywhere (refresh tokens included).
  // OAuth clients may provision with client-credentials JWT access tokens (scope scim).
  const accessTokens = createAccessTokenVerifier(oidc, issuer);
  const provisioning = createProvisioning(
    services,
    (userId) => sessions.signOutAll(userId),
    (t, aud, scope) => accessTokens.verify(t, aud, scope),
    { mailer },
  );
  const federation = createFederation({
    issuer,
    federation: config.federation,
    fetch: guardedFetch,
    store: connectorStore,
    connections,
    xml: () => saml.validator,
    maxMessageBytes: config.saml.maxMessageBytes,
    orgs: services.orgs,
    journey,
    audit,
    linking: createLinking({
      store: connectorStore,
      accounts: services.accounts,
      users: services.users,
      orgs: services.orgs,
      audit,
      provisioned: createProvisionedMatch(provisioning.store),
    }),
  });
  const metadataRefresher = createMetadataRefresher({
    store: connectorStore,
    fetch: guardedFetch,
    validator: { validate: (xml, kind) => saml.validator.validate(xml, kind) },
    intervalSeconds: config.federation.metadataRefreshSeconds,
    log,
  });
  const socialFlow = createSocialFlow({
    issuer,
    federation: config.federation,
    fetch: guardedFetch,
    store: socialStore,
    connections: socialConnections,
    audit,
  });
  const socialLinking = createSocialLinking({
    store: socialStore,
    accounts: services.accounts,
    users: services.users,
    hasher: services.hasher,
    throttle,
    mailer,
    audit,
    limiter: createRateLimiter(loginStore),
  });
  const socialSignIn = createSocialSignIn({ flow: socialFlow, linking: socialLinking, journey });
  const passkeys = createPasskeySignIn({ issuer, store: factorStore, journey, accounts: services.accounts, audit });
  const lifecycle = createLifecycle({
    issuer,
    accounts: services.accounts,
    users: services.users,
    hasher: services.hasher,
    mailer,
    audit,
    limiter: createRateLimiter(loginStore),
    throttle,
    minPasswordLength: config.password.minLength,
    signOutEverywhere: (userId) => sessions.signOutAll(userId),
    signOutOthers: (userId, keepSessionId) => sessions.signOutOthers(userId, keepSessionId),
    localPasswordAllowed: localPasswordAllowed(services.orgs),
  });
  const myAccount = createMyAccount({
    db: services.db,
    issuer,
    accounts: services.accounts,
    mailer,
    audit,
    limiter: createRateLimiter(loginStore),
    localPasswordAllowed: localPasswordAllowed(services.orgs),
  });
  const device = createDeviceSignIn({
    db: services.db,
    config,
    codes: oidc.deviceCodes,
    throttle,
    audit,
    accounts: services.accounts,
    sessionPolicy,
    localPasswordAllowed: localPasswordAllowed(services.orgs),
  });
  const support = createSupport({ db: services.db, config, hasher: services.hasher, mailer, audit, throttle });
  const admin = createAdmin(services, {
    lifecycle,
    factors: factorStore,
    tokens: provisioning.tokens,
    accessTokens,
    connectors: connectorStore,
    notifier: provisioning.notifier,
    signOutAll: (userId) => sessions.signOutAll(userId),
    saml,
  });
  return {
    routing,
    mailer,
    orgOfPerson,
    loginStore,
    device,
    support,
    admin,
    passkeys,
    throttle,
    clientAuthThrottle,
    interactions,
    sessions,
    sessionPolicy,
    sessionAge,
    gate,
    journey,
    lifecycle,
    myAccount,
    factorStore,
    trusted,
    envFor,
    saml,
    connectorStore,
    connections,
    discovery,
    federation,
    metadataRefresher,
    provisioning,
    socialStore,
    socialConnections,
    socialFlow,
    socialLinking,
    socialSignIn,
  };
}
export type Features = ReturnType<typeof createFeatures>;
