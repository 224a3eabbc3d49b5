/**
 * The mounted OpenID provider. It is rebuilt when the signing key set changes (a rotation by the CLI
 * or another instance), checked every `keyRefreshSeconds`; requests always reach the current one.
 * Only this folder imports oidc-provider.
 */
import compose from 'koa-compose';
import type { Middleware } from 'koa';
import Provider from './lib.js';
import type { Config } from '../config/schema.js';
import type { ClientRegistry } from '../clients/registry.js';
import type { AccountStore } from '../accounts/store.js';
import type { Logger } from '../lib/log.js';
import type { Db } from '../db/index.js';
import { isDatabaseUnavailable } from '../db/availability.js';
import { createSecretBox } from '../lib/secretbox.js';
import { createAdapterClass } from './adapter.js';
import { buildConfiguration } from './configuration.js';
import { createKeyManager, type KeyManager } from './keys.js';
import { createKeyStore, createOidcStore, type OidcStore } from './store.js';
import { createSessionTouch } from './sessions.js';
import { persistNewSessions } from './new-session-persist.js';
import type { SessionPolicy } from '../login/session-policy.js';
import type { SessionAge } from '../orgs/session-lengths.js';
import { createRefreshTokenLimit, type LengthsFor } from './refresh-token-limit.js';
import { createDeviceCodes, type DeviceCodes } from './device-codes.js';

export type { Provider };

export interface Oidc {
  readonly provider: Provider;
  readonly middleware: Middleware;
  readonly store: OidcStore;
  readonly keys: KeyManager;
  /** Device codes as the device sign-in guards see them (src/device/). */
  readonly deviceCodes: DeviceCodes;
  /** Sets the check every reused session passes (login/session-policy.ts): the policy gate is built after the provider. */
  useSessionPolicy(policy: SessionPolicy): void;
  /** Sets the check of a reused session's age against its organizations' session lengths (orgs/session-lengths.ts). */
  useSessionAge(check: SessionAge): void;
  /** Sets where a person's session lengths are read, which also bound refresh tokens (refresh-token-limit.ts). */
  useSessionLengths(lengthsFor: LengthsFor): void;
  /** Reloads the key set now if it changed; returns whether the provider was rebuilt. */
  reloadKeys(): Promise<boolean>;
  close(): void;
}

export function keyRetentionSeconds(config: Config) {
  return Math.max(config.oidc.accessTokenTtl, config.oidc.idTokenTtl, 86400) + 3600;
}

export function createKeys(db: Db, config: Config) {
  return createKeyManager(
    createKeyStore(db),
    createSecretBox(config.secrets.encryptionKey),
    keyRetentionSeconds(config),
    config.oidc.defaultSigningAlg,
  );
}

export async function createOidc(deps: {
  db: Db;
  config: Config;
  clients: ClientRegistry;
  accounts: AccountStore;
  log: Logger;
}): Promise<Oidc> {
  const { db, config, clients, accounts, log } = deps;
  const store = createOidcStore(db);
  const keys = createKeys(db, config);
  await keys.ensure();
  const adapter = createAdapterClass({
    store,
    clients,
    refreshGraceSeconds: config.oidc.refreshGraceSeconds,
    secureCookies: config.server.issuer.startsWith('https:'),
    touch: createSessionTouch(),
  });
  let sessionPolicy: SessionPolicy | undefined;
  let sessionAge: SessionAge | undefined;
  let sessionLengths: LengthsFor | undefined;
  const refreshTokenLimit = createRefreshTokenLimit(() => sessionLengths);

  async function build() {
    const jwks = await keys.privateJwks();
    const configuration = buildConfiguration({
      config,
      adapter,
      jwks,
      clients,
      accounts,
      sessionPolicy: () => sessionPolicy,
      sessionAge: () => sessionAge,
      refreshTokenLimit,
    });
    const provider = new Provider(config.server.issuer, configuration);
    // Mounted in src/app.ts, the provider reads the parent app's ctx: ctx.ip is set once there
    // (src/http/client-address.ts) and the host is the issuer's (src/http/issuer-origin.ts).
    provider.proxy = config.server.trustProxy;
    persistNewSessions(provider, { ...configuration.cookies?.long }, config.oidc.interactionTtl);
    provider.on('server_error', (ctx, err) => {
      // The error middleware (src/http/errors.ts) reads it: a database outage becomes a 503, logged once.
      if (ctx.state) ctx.state.serverError = err;
      if (!isDatabaseUnavailable(err)) log.error({ err, requestId: ctx.state?.requestId }, 'oidc server error');
    });
    for (const event of ['grant.error', 'introspection.error', 'revocation.error', 'end_session.error', 'backchannel.error'] as const) {
      provider.on(event as 'grant.error', (...args: unknown[]) => {
        const err = args.find((a) => a instanceof Error) as (Error & { error?: string; error_description?: string }) | undefined;
        log.warn({ event, error: err?.error ?? err?.name, description: err?.error_description }, 'oidc request refused');
      });
    }
    return { provider, middleware: compose(provider.middleware) as Middleware, version: await keys.version() };
  }

  let current = await build();
  async function reloadKeys() {
    const version = await keys.version();
    if (version === current.version) return false;
    current = await build();
    log.info('signing keys changed; provider reloaded');
    return true;
  }
  const timer = setInterval(() => {
    reloadKeys().catch((err) => {
      if (!isDatabaseUnavailable(err)) log.error({ err }, 'could not reload signing keys');
    });
  }, config.oidc.keyRefreshSeconds * 1000);
  timer.unref();

  return {
    get provider() {
      return current.provider;
    },
    middleware: (ctx, next) => current.middleware(ctx, next),
    store,
    keys,
    deviceCodes: createDeviceCodes(() => current.provider),
    useSessionPolicy(policy) {
      sessionPolicy = policy;
    },
    useSessionAge(check) {
      sessionAge = check;
    },
    useSessionLengths(lengthsFor) {
      sessionLengths = lengthsFor;
    },
    reloadKeys,
    close: () => clearInterval(timer),
  };
}
