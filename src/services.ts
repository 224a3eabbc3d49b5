/** Assembles the stores and use-cases every entry point (server, CLI, tests) shares. */
import type { Config } from './config/schema.js';
import type { Db } from './db/index.js';
import type { Logger } from './lib/log.js';
import { createSecretBox } from './lib/secretbox.js';
import { createAccountStore } from './accounts/store.js';
import { createPasswordHasher } from './accounts/passwords.js';
import { createUsers } from './accounts/users.js';
import { createClientRegistry } from './clients/registry.js';
import { createClientStore } from './clients/store.js';
import { createOrgStore } from './orgs/store.js';
import { createAudit } from './audit/index.js';
import { createAuditStore } from './audit/store.js';
import { createAppStore } from './apps/store.js';
import { createLauncher } from './apps/launcher.js';
import { createAppAdmin } from './apps/admin.js';
import { createBranding } from './branding/index.js';

export function createServices(db: Db, config: Config, log: Logger) {
  const box = createSecretBox(config.secrets.encryptionKey);
  const accounts = createAccountStore(db);
  const hasher = createPasswordHasher(config.password.argon2, config.password.hashConcurrency);
  const audit = createAudit(createAuditStore(db), log);
  const appStore = createAppStore(db);
  const launcher = createLauncher({ store: appStore });
  appStore.onAccessChange(launcher.changed);
  return {
    db,
    config,
    log,
    box,
    accounts,
    hasher,
    users: createUsers(accounts, hasher, config.password.minLength),
    clients: createClientRegistry(createClientStore(db), box),
    orgs: createOrgStore(db),
    audit,
    /** Apps as the launcher sees them: who may use which, and what My account and the lost page list. */
    launcher,
    appStore,
    appAdmin: createAppAdmin({ store: appStore, audit }),
    branding: createBranding(db, log),
  };
}
export type Services = ReturnType<typeof createServices>;
