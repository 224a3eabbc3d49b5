/**
 * Wires each feature's use-cases from the shared services and the provider. Entry points (routes,
 * tests) take what they need from here rather than building their own copies.
 */
import type { Services } from './services.js';
import type { Oidc } from './oidc/provider.js';
import type { Metrics } from './http/metrics.js';
import { createInteractions } from './oidc/interactions.js';
import { createSessions } from './oidc/sessions.js';
import { createLoginStore } from './login/store.js';
import { createRateLimiter, createThrottle } from './login/throttle.js';
import { accountActiveRule, createGate } from './login/gate.js';
import { createJourney } from './login/journey.js';
import { createMailer, type Mailer } from './notify/mailer.js';
import { createLifecycle } from './accounts/lifecycle.js';

export function createFeatures(services: Services, oidc: Oidc, metrics: Metrics, mailer?: Mailer) {
  const { config, log, audit } = services;
  const loginStore = createLoginStore(services.db);
  const interactions = createInteractions(oidc);
  const sessions = createSessions(oidc, log);
  const gate = createGate([accountActiveRule]);
  const journey = createJourney({
    store: loginStore, accounts: services.accounts, hasher: services.hasher, throttle: createThrottle(loginStore, config.throttle),
    gate, audit, metrics, interactions, ttlSeconds: config.oidc.interactionTtl,
  });
  const lifecycle = createLifecycle({
    issuer: config.server.issuer, accounts: services.accounts, users: services.users, hasher: services.hasher,
    mailer: mailer ?? createMailer(config, log), audit, limiter: createRateLimiter(loginStore), minPasswordLength: config.password.minLength,
    signOutEverywhere: (userId) => sessions.signOutAll(userId),
    localPasswordAllowed: async () => true,
  });
  return { loginStore, interactions, sessions, gate, journey, lifecycle };
}
export type Features = ReturnType<typeof createFeatures>;
