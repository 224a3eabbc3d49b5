/**
 * Every feature's routes, in one list (the request path starts here). Form pages share body parsing
 * (size-limited) and CSRF checks.
 */
import Router from '@koa/router';
import type { Services } from './services.js';
import type { Features } from './features.js';
import { parseBody } from './http/body.js';
import { csrf } from './http/csrf.js';
import { loginRoutes } from './login/routes.js';
import { accountLifecycleRoutes } from './accounts/routes.js';
import { accountPage, myAccountRoutes } from './accounts/my-account-routes.js';
import { profileRoutes } from './accounts/profile-routes.js';
import { appRoutes, appsSection } from './apps/routes.js';
import { demoRoutes } from './bootstrap/demo-routes.js';
import { factorRoutes } from './factors/routes.js';
import { factorAccountRoutes, twoStepSection } from './factors/account-routes.js';
import { recoveryRoutes } from './factors/recovery-routes.js';
import { pushDeviceRoutes } from './factors/push-device-routes.js';
import { createCurrentPerson } from './accounts/current-person.js';
import { passkeyRoutes } from './factors/passkey-routes.js';
import { ssoPendingRoutes, ssoRoutes } from './connectors/routes.js';
import { callbackRoutes } from './connectors/callback-routes.js';
import { scimRoutes } from './provisioning/routes.js';
import { socialRoutes } from './connectors/social/routes.js';
import { socialCallbackRoutes } from './connectors/social/callback-routes.js';
import { linkedSignInsSection, socialAccountRoutes } from './connectors/social/account-routes.js';
import { supportApiRoutes, supportPageRoutes } from './support/routes.js';
import { adminApiRoutes } from './admin/api/router.js';
import { adminCenterRoutes } from './admin/center/routes.js';
import { lostPageRoutes } from './routing/lost-page.js';
import { brandedPerson } from './branding/wiring.js';
import { brandingAdminRoutes, brandingUploadRoutes } from './branding/admin-routes.js';

export function featureRoutes(services: Services, f: Features): Router[] {
  const { config, audit } = services;
  const issuer = config.server.issuer;
  const secure = issuer.startsWith('https:');
  const minPasswordLength = config.password.minLength;

  const person = brandedPerson(
    createCurrentPerson({
      issuer,
      secure,
      rememberDays: config.session.rememberDays,
      sessions: f.sessions,
      accounts: services.accounts,
      meetsPolicy: f.sessionPolicy,
      tooOld: f.sessionAge,
      checkReturn: async (raw) => {
        const checked = await f.routing.check(raw);
        return checked.ok ? checked.url : undefined;
      },
    }),
    f.orgOfPerson,
  );
  const accountDeps = {
    person,
    sessions: f.sessions,
    lifecycle: f.lifecycle,
    minPasswordLength,
    appName: async (clientId: string) => {
      const name = (await services.clients.metadata(clientId))?.client_name;
      return typeof name === 'string' ? name : undefined;
    },
    sections: [
      f.myAccount.profileSection(),
      appsSection(services.launcher),
      twoStepSection({ store: f.factorStore, trusted: f.trusted, envFor: f.envFor }),
      linkedSignInsSection({ connections: f.socialConnections, linking: f.socialLinking }),
      f.myAccount.linked.section(),
      async (_ctx: unknown, userId: string) => {
        // The admin link shows exactly to those the admin center lets in (administrators of an active organization).
        const [roles, adminOrgs] = await Promise.all([f.support.sessions.roles(userId), f.admin.store.adminOrgsOf(userId)]);
        return { supportLink: roles.length > 0, adminLink: adminOrgs.length > 0 };
      },
    ],
  };
  const pages = new Router();
  pages.use(parseBody(config.server.maxBodyBytes));
  pages.use(
    csrf({ secure, onFailure: (ctx) => audit.record(ctx, { type: 'csrf.rejected', outcome: 'failure', data: { path: ctx.path } }) }),
  );
  for (const router of [
    ssoPendingRoutes({ secure }),
    lostPageRoutes({
      person,
      sessions: f.sessions,
      audit,
      check: f.routing.check,
      appsOf: (userId, lang) => services.launcher.forPerson(userId, lang),
    }),
    loginRoutes({
      interactions: f.interactions,
      journey: f.journey,
      secure,
      resume: f.routing.resume,
      personLocale: async (id) => (await services.accounts.findUser(id))?.locale,
      socialButtons: () => f.socialConnections.buttons(),
    }),
    factorRoutes({
      interactions: f.interactions,
      journey: f.journey,
      accounts: services.accounts,
      store: f.factorStore,
      throttle: f.throttle,
      trusted: f.trusted,
      envFor: f.envFor,
    }),
    accountLifecycleRoutes({ lifecycle: f.lifecycle, minPasswordLength }),
    myAccountRoutes(accountDeps),
    profileRoutes({
      person,
      page: accountPage(accountDeps),
      accounts: services.accounts,
      lifecycle: f.lifecycle,
      emailChange: f.myAccount.emailChange,
      linked: f.myAccount.linked,
      audit,
    }),
    factorAccountRoutes({ person, store: f.factorStore, trusted: f.trusted, envFor: f.envFor }),
    recoveryRoutes({
      person,
      store: f.factorStore,
      envFor: f.envFor,
      passwords: {
        has: async (userId) => !!(await services.accounts.passwordHash(userId)),
        confirm: (ctx, user, password) => f.lifecycle.confirmPassword(ctx, user, password),
      },
    }),
    passkeyRoutes({ interactions: f.interactions, passkeys: f.passkeys, secure }),
    ssoRoutes({ interactions: f.interactions, journey: f.journey, federation: f.federation, discovery: f.discovery, audit }),
    socialRoutes({ interactions: f.interactions, signIn: f.socialSignIn, audit }),
    socialAccountRoutes({
      person,
      flow: f.socialFlow,
      linking: f.socialLinking,
      audit,
      disconnect: (ctx, user, id) => f.myAccount.linked.disconnect(ctx, user, 'social', id),
    }),
    supportPageRoutes({ person, sessions: f.support.sessions, issuer }),
    adminCenterRoutes({ person, store: f.admin.store, useCases: f.admin.useCases, issuer }),
    appRoutes({ person, store: services.appStore, launcher: services.launcher, issuer }),
    brandingAdminRoutes({ person, store: f.admin.store, branding: f.admin.useCases.branding }),
  ])
    pages.use(router.routes(), router.allowedMethods());

  // Machine endpoints for paired push devices: their own router (JSON, signatures, no CSRF).
  const pushDevices = pushDeviceRoutes({ envFor: f.envFor, maxBodyBytes: config.server.maxBodyBytes });
  // Company IdPs' answers (cross-site POST, bound to single-use states instead of CSRF) and test sign-ins.
  const sso = callbackRoutes({ issuer, federation: f.federation, audit, maxBodyBytes: Math.max(config.server.maxBodyBytes, 262_144) });
  // SCIM 2.0 for company IdPs (bearer tokens, SCIM JSON errors; bodies up to 1 MiB for large groups).
  const scim = scimRoutes({
    users: f.provisioning.users,
    groups: f.provisioning.groups,
    tokens: f.provisioning.tokens,
    baseUrl: f.provisioning.baseUrl,
    authenticateAccessToken: (token) => f.provisioning.clients.authenticate(token),
    maxBodyBytes: Math.max(config.server.maxBodyBytes, 1_048_576),
    onAuthFailure: (ctx) => audit.record(ctx, { type: 'scim.auth_failed', outcome: 'failure', data: { path: ctx.path } }),
    throttle: f.clientAuthThrottle,
    failures: f.provisioning.notifier,
  });
  // Social providers' answers (Apple's cross-site form_post included), bound to single-use states.
  const social = socialCallbackRoutes({ issuer, flow: f.socialFlow, audit, maxBodyBytes: config.server.maxBodyBytes });
  // The temporary support app's calls (JSON, signed by its key, no cookies).
  const supportApi = supportApiRoutes({ activation: f.support.activation, maxBodyBytes: config.server.maxBodyBytes });
  // The admin API (JSON, access tokens of admin clients, documented at /api/admin/v1/openapi.json).
  const adminApi = adminApiRoutes({ issuer, actors: f.admin.actors, useCases: f.admin.useCases, maxBodyBytes: config.server.maxBodyBytes });
  // Logo and favicon uploads in the admin center (multipart; the CSRF value is checked by the route).
  const brandingUpload = brandingUploadRoutes({ person, store: f.admin.store, branding: f.admin.useCases.branding });
  return [
    brandingUpload,
    pages,
    f.saml.routes(),
    pushDevices,
    sso,
    scim,
    social,
    supportApi,
    adminApi,
    ...(config.demo ? [demoRoutes(issuer)] : []),
  ];
}
