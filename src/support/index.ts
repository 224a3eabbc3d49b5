/** Ad hoc support pairing: the technician's use-cases and the support app's, wired from the shared parts. */
import type { PasswordHasher } from '../accounts/passwords.js';
import type { Audit } from '../audit/index.js';
import type { Config } from '../config/schema.js';
import type { Db } from '../db/index.js';
import type { Throttle } from '../login/throttle.js';
import type { Mailer } from '../notify/mailer.js';
import { createSupportActivation } from './activation.js';
import { createSupportSessions, systemClock } from './sessions.js';
import { createSupportStore } from './store.js';

export function createSupport(d: { db: Db; config: Config; hasher: PasswordHasher; mailer: Mailer; audit: Audit; throttle: Throttle }) {
  const store = createSupportStore(d.db);
  const clock = systemClock();
  const sessions = createSupportSessions({
    store,
    hasher: d.hasher,
    mailer: d.mailer,
    audit: d.audit,
    issuer: d.config.server.issuer,
    config: d.config.support,
    clock,
  });
  const activation = createSupportActivation({
    store,
    throttle: d.throttle,
    audit: d.audit,
    sessionHours: d.config.support.sessionHours,
    clock,
  });
  return { store, clock, sessions, activation };
}

export type Support = ReturnType<typeof createSupport>;
