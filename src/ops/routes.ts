/** Operations endpoints: liveness, readiness (database reachable and schema current), Prometheus. */
import Router from '@koa/router';
import type { Db } from '../db/index.js';
import { ping } from '../db/index.js';
import { pendingMigrations } from '../db/migrate.js';
import type { Metrics } from '../http/metrics.js';

export function opsRoutes(deps: { db: Db; metrics: Metrics; isShuttingDown: () => boolean }) {
  const router = new Router();
  // The start page is the person's own account until the routing layer ("we're lost") takes it over.
  router.get('/', (ctx) => ctx.redirect('/account'));
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
      ctx.body = { status: 'database_unreachable' };
    }
  });
  router.get('/metrics', async (ctx) => {
    ctx.type = deps.metrics.registry.contentType;
    ctx.body = await deps.metrics.registry.metrics();
  });
  return router;
}
