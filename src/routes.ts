/** Every feature's routes, in one list (the request path starts here). */
import type Router from '@koa/router';
import type { Services } from './services.js';
import type { Oidc } from './oidc/provider.js';
import type { Metrics } from './http/metrics.js';

export interface FeatureDeps {
  services: Services;
  oidc: Oidc;
  metrics: Metrics;
}

export function featureRoutes(_deps: FeatureDeps): Router[] {
  return [];
}
