/**
 * Operations endpoints: liveness, readiness (database reachable and schema current), Prometheus.
 * /metrics needs `Authorization: Bearer <METRICS_TOKEN>`; without a configured token it is not served.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import Router from '@koa/router';
import type { Db } from '../db/index.js';
import { ping } from '../db/index.js';
import { pendingMigrations } from '../db/migrate.js';
import type { Metrics } from '../http/metrics.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

export function opsRoutes(deps: { db: Db; metrics: Metrics; isShuttingDown: () => boolean; metricsToken?: string }) {
  const router = new Router();
  const expected = deps.metricsToken ? digest(deps.metricsToken) : undefined;
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    if (deps.isShuttingDown()) {
      ctx.status = 503;
      ctx.body = { status: 'shutting_down' };
      return;
    }
    try {
      await ping(deps.db);
      const pending = await pendingMigrations(deps.db);
      ctx.status = pending.length ? 503 : 200;
      ctx.body = pending.length ? { status: 'migrations_pending', pending } : { status: 'ready' };
    } catch {
      ctx.status = 503;
      ctx.set('Retry-After', '5');
      ctx.body = { status: 'database_unreachable' };
    }
  });
  router.get('/metrics', async (ctx) => {
    if (!expected) return; // not configured: the error middleware answers 404
    const given = /^Bearer (.+)$/i.exec(ctx.get('authorization'))?.[1]?.trim();
    if (!given || !timingSafeEqual(digest(given), expected)) {
      ctx.status = 401;
      ctx.set('WWW-Authenticate', 'Bearer realm="metrics"');
      ctx.body = { error: 'invalid_token', error_description: 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>' };
      return;
    }
    ctx.set('Cache-Control', 'no-store');
    ctx.type = deps.metrics.registry.contentType;
    ctx.body = await deps.metrics.registry.metrics();
  });
  return router;
}
