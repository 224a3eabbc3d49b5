/**
 * Assembles the Koa application: cross-cutting middleware, then every route family, then the mounted
 * OpenID provider (which answers everything the routes above do not).
 */
import Koa from 'koa';
import compose from 'koa-compose';
import type { Middleware } from 'koa';
import type Router from '@koa/router';
import type { Services } from './services.js';
import type { Oidc } from './oidc/provider.js';
import type { Metrics } from './http/metrics.js';
import { requestLog } from './http/request-log.js';
import { createErrorMiddleware } from './http/errors.js';
import { clientAddressMiddleware } from './http/client-address.js';
import { issuerOrigin } from './http/issuer-origin.js';
import type { DatabaseHealth } from './db/availability.js';
import { securityHeaders } from './http/security-headers.js';
import { i18nMiddleware } from './http/i18n.js';
import { assetRoutes } from './http/assets.js';
import { PROVIDER_API } from './http/provider-paths.js';
import { bufferProviderBody } from './http/provider-body.js';
import { refuseNul, refuseNulInAddress } from './http/nul-bytes.js';
import { refuseUnknownMethods } from './http/methods.js';
import { clientAuthThrottle } from './clients/auth-throttle.js';
import { opsRoutes } from './ops/routes.js';
import { featureRoutes } from './routes.js';
import { cookieKeys } from './http/cookie-keys.js';
import { brandingAssetRoutes } from './branding/routes.js';
import type { Features } from './features.js';

export interface AppDeps {
  services: Services;
  oidc: Oidc;
  features: Features;
  metrics: Metrics;
  isShuttingDown?: () => boolean;
  database?: DatabaseHealth;
}

export function createApp(deps: AppDeps) {
  const { services, oidc } = deps;
  const { config } = services;
  const { metrics } = deps;
  const isShuttingDown = deps.isShuttingDown ?? (() => false);
  const app = new Koa({ proxy: config.server.trustProxy, maxIpsCount: config.server.trustProxyHops });
  // oidc-provider runs inside this app: its cookies are signed with these keys (see DESIGN traps).
  app.keys = cookieKeys(config.secrets.cookieKeys);
  app.silent = true;

  app.use(async (ctx, next) => {
    if (isShuttingDown()) ctx.set('Connection', 'close');
    await next();
  });
  app.use(clientAddressMiddleware(config.server));
  app.use(requestLog(services.log));
  app.use(metrics.middleware);
  app.use(securityHeaders(config.server.issuer.startsWith('https:')));
  app.use(i18nMiddleware);
  app.use(createErrorMiddleware({ database: deps.database, jsonPaths: PROVIDER_API }));
  // A lost sign-in flow anywhere below is recovered, never an error page (src/routing/recover.ts).
  app.use((ctx, next) => deps.features.routing.recovery.middleware(ctx, next));
  app.use(refuseUnknownMethods);
  app.use(refuseNulInAddress);
  app.use(issuerOrigin(config.server.issuer, config.server.trustProxy, services.log));

  // Guards every request bound for oidc-provider passes first (NUL bytes, failed client
  // authentication, device sign-in's throttles and checks); the body is read for them.
  const clientAuth = clientAuthThrottle({ throttle: deps.features.clientAuthThrottle, clients: services.clients, audit: services.audit });
  const toProvider = compose([bufferProviderBody, refuseNul, clientAuth, deps.features.device.guards, oidc.middleware]) as Middleware;
  // oidc-provider's machine endpoints go straight to it: no page router needs to look at them.
  app.use((ctx, next) => (PROVIDER_API.has(ctx.path) ? toProvider(ctx, next) : next()));
  // Pages find their brand in memory (src/branding): no statement per page view.
  app.use(services.branding.middleware);
  const ops = opsRoutes({ db: services.db, metrics, isShuttingDown, metricsToken: config.server.metricsToken });
  const routers: Router[] = [assetRoutes(), brandingAssetRoutes(services.branding), ops, ...featureRoutes(services, deps.features)];
  for (const router of routers) app.use(router.routes()).use(router.allowedMethods());
  app.use(toProvider);
  return app;
}
