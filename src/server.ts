/**
 * Starts Wayfinder: database → migrations → services → bootstrap → provider → HTTP, and stops it
 * gracefully (in-flight requests finish, new ones are refused, then the database closes).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from './config/schema.js';
import { openDatabase, type Database } from './db/index.js';
import { migrateToLatest } from './db/migrate.js';
import { createLogger, type Logger } from './lib/log.js';
import { createServices, type Services } from './services.js';
import { createOidc, type Oidc } from './oidc/provider.js';
import { createApp } from './app.js';
import { createFeatures, type Features } from './features.js';
import { createMetrics } from './http/metrics.js';
import { applyBootstrap } from './bootstrap/apply.js';
import { ensureDemo } from './bootstrap/demo.js';
import { ensureAccountClient } from './accounts/my-account-routes.js';
import { createDatabaseHealth, type DatabaseHealth } from './db/availability.js';
import { trackConnections } from './http/drain.js';

export interface Running {
  url: string;
  config: Config;
  services: Services;
  oidc: Oidc;
  features: Features;
  database: Database;
  server: http.Server;
  demo?: { created: boolean; password?: string };
  /** Whether the database is reachable (a 503 with Retry-After while it is not). */
  health: DatabaseHealth;
  stop(): Promise<void>;
}

export interface StartOptions {
  log?: Logger;
  database?: Database;
  /** Tests: listen on a free port and use http://127.0.0.1:<port> as the issuer. */
  issuerFromPort?: boolean;
  /**
   * With issuerFromPort: the issuer's host name. 'localhost' for browser tests of WebAuthn, whose RP ID
   * must be a domain (Chromium refuses an IP address); http://localhost is still a secure context.
   */
  issuerHost?: 'localhost' | '127.0.0.1';
}

export async function startServer(config: Config, options: StartOptions = {}): Promise<Running> {
  const log = options.log ?? createLogger(config.log.level);
  const server = http.createServer();
  const connections = trackConnections(server);
  server.requestTimeout = 30_000;
  server.headersTimeout = 20_000;
  if (options.issuerFromPort) {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    config = { ...config, server: { ...config.server, port, issuer: `http://${options.issuerHost ?? '127.0.0.1'}:${port}` } };
  }

  const database = options.database ?? (await openDatabase(config));
  await migrateToLatest(database.db);
  const services = createServices(database.db, config, log);
  if (config.bootstrapFile) {
    const report = await applyBootstrap(services, config.bootstrapFile, { exclusive: database.kind === 'postgres' });
    const { users, clients, organizations, unchanged } = report;
    log.info({ users, clients, organizations, unchanged }, 'bootstrap applied');
    for (const note of report.notes) log.warn(`bootstrap: ${note}`);
    for (const clientId of Object.keys(report.generatedSecrets)) {
      process.stderr.write(`Generated a secret for client ${clientId}: ${report.generatedSecrets[clientId]}\n`);
    }
  }
  await ensureAccountClient(services.clients, config.server.issuer);
  const demo = config.demo ? await ensureDemo(services) : undefined;
  const oidc = await createOidc({ db: database.db, config, clients: services.clients, accounts: services.accounts, log });

  let shuttingDown = false;
  const metrics = createMetrics();
  const features = createFeatures(services, oidc, metrics);
  const health = createDatabaseHealth(database.db, log);
  const app = createApp({ services, oidc, features, metrics, isShuttingDown: () => shuttingDown, database: health });
  server.on('request', app.callback());
  if (!options.issuerFromPort) {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.server.port, config.server.host, resolve);
    });
  }

  const purge = setInterval(() => {
    Promise.all([
      oidc.store.purgeExpired(),
      features.loginStore.purgeJourneys(),
      features.factorStore.purgeChallenges(),
      features.saml.purgeExpired(),
      features.connectorStore.purgeExpired(),
      // People deleted (admin or SCIM) past accounts.deletedRetentionDays: one indexed look-up when none are due.
      features.admin.useCases.purge.purgeDeleted(undefined, 'system'),
      features.socialStore.purgeExpired(),
      features.device.purgeExpired(),
    ]).catch((err) => {
      if (!health.failed(err)) log.error({ err }, 'purge of expired rows failed');
    });
  }, config.oidc.purgeIntervalSeconds * 1000);
  purge.unref();
  const stopMetadataRefresh = features.metadataRefresher.start();

  const { port } = server.address() as AddressInfo;
  const url = options.issuerFromPort
    ? config.server.issuer
    : `http://${config.server.host === '0.0.0.0' ? 'localhost' : config.server.host}:${port}`;

  let stopping: Promise<void> | undefined;
  async function stop() {
    stopping ??= (async () => {
      shuttingDown = true;
      clearInterval(purge);
      stopMetadataRefresh();
      oidc.close();
      // Stop accepting, answer what is in flight with Connection: close, then close (src/http/drain.ts).
      await connections.drain(config.server.shutdownGraceSeconds * 1000);
      health.stop();
      if (!options.database) await database.close();
    })();
    return stopping;
  }

  return { url, config, services, oidc, features, database, server, demo, health, stop };
}
