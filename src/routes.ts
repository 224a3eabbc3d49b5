/**
 * Every feature's routes, in one list (the request path starts here), and the wiring of each
 * feature's use-cases. Form pages share body parsing (size-limited) and CSRF checks.
 */
import Router from '@koa/router';
import type { Services } from './services.js';
import type { Oidc } from './oidc/provider.js';
import type { Metrics } from './http/metrics.js';
import { parseBody } from './http/body.js';
import { csrf } from './http/csrf.js';
import { createInteractions } from './oidc/interactions.js';
import { createSessions } from './oidc/sessions.js';
import { createLoginStore } from './login/store.js';
import { createRateLimiter, createThrottle } from './login/throttle.js';
import { accountActiveRule, createGate } from './login/gate.js';
import { createJourney } from './login/journey.js';
import { loginRoutes } from './login/routes.js';
import { createMailer, type Mailer } from './notify/mailer.js';
import { createLifecycle } from './accounts/lifecycle.js';
import { accountLifecycleRoutes } from './accounts/routes.js';
import { myAccountRoutes } from './accounts/my-account-routes.js';
import { demoRoutes } from './bootstrap/demo-routes.js';

export interface FeatureDeps {
  services: Services;
  oidc: Oidc;
  metrics: Metrics;
  mailer?: Mailer;
}

export function featureRoutes({ services, oidc, metrics, mailer: givenMailer }: FeatureDeps): Router[] {
  const { config, log, audit } = services;
  const issuer = config.server.issuer;
  const secure = issuer.startsWith('https:');
  const mailer = givenMailer ?? createMailer(config, log);
  const loginStore = createLoginStore(services.db);
  const interactions = createInteractions(oidc);
  const sessions = createSessions(oidc, log);
  const gate = createGate([accountActiveRule]);
  const journey = createJourney({
    store: loginStore, accounts: services.accounts, hasher: services.hasher, throttle: createThrottle(loginStore, config.throttle),
    gate, audit, metrics, interactions, ttlSeconds: config.oidc.interactionTtl,
  });
  const lifecycle = createLifecycle({
    issuer, accounts: services.accounts, users: services.users, hasher: services.hasher, mailer, audit,
    limiter: createRateLimiter(loginStore), minPasswordLength: config.password.minLength,
    signOutEverywhere: (userId) => sessions.signOutAll(userId),
    localPasswordAllowed: async () => true,
  });

  const pages = new Router();
  pages.use(parseBody(config.server.maxBodyBytes));
  pages.use(csrf({ secure, onFailure: (ctx) => audit.record(ctx, { type: 'csrf.rejected', outcome: 'failure', data: { path: ctx.path } }) }));
  for (const router of [
    loginRoutes({ interactions, journey, secure }),
    accountLifecycleRoutes({ lifecycle, minPasswordLength: config.password.minLength }),
    myAccountRoutes({ issuer, secure, rememberDays: config.session.rememberDays, sessions, accounts: services.accounts, lifecycle, minPasswordLength: config.password.minLength }),
  ]) pages.use(router.routes(), router.allowedMethods());

  return [pages, ...(config.demo ? [demoRoutes(issuer)] : [])];
}
