/**
 * Prometheus metrics: request counts and latencies by route (never by raw path, to bound label
 * cardinality) and sign-in outcomes.
 */
import type { Context, Next } from 'koa';
import client from 'prom-client';

export function createMetrics() {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const requests = new client.Counter({
    name: 'wayfinder_http_requests_total',
    help: 'HTTP requests',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const latency = new client.Histogram({
    name: 'wayfinder_http_request_duration_seconds',
    help: 'HTTP request latency',
    labelNames: ['method', 'route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const logins = new client.Counter({
    name: 'wayfinder_login_total',
    help: 'Sign-in attempts by method and outcome',
    labelNames: ['method', 'outcome'],
    registers: [registry],
  });

  function routeOf(ctx: Context): string {
    const routed = ctx as Context & { _matchedRoute?: string; oidc?: { route?: string } };
    return routed._matchedRoute ?? routed.oidc?.route ?? (ctx.status === 404 ? 'not_found' : 'other');
  }

  return {
    registry,
    login: (method: string, outcome: string) => logins.inc({ method, outcome }),
    async middleware(ctx: Context, next: Next) {
      const end = latency.startTimer();
      try {
        await next();
      } finally {
        const route = String(routeOf(ctx));
        end({ method: ctx.method, route });
        requests.inc({ method: ctx.method, route, status: String(ctx.status) });
      }
    },
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
