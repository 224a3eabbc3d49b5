/**
 * Request id and access log. The id comes from X-Request-Id when it is a sane token, otherwise it is
 * made here; it is echoed back and attached to every log line of the request. Paths are logged
 * without their query string (it can carry codes and hints). The per-request child logger is made
 * only when something in the request logs (it is the costly part on the token endpoint's hot path).
 */
import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';
import type { Logger } from '../lib/log.js';

const QUIET = new Set(['/healthz', '/readyz', '/metrics']);

export function requestLog(log: Logger) {
  const accessLog = log.isLevelEnabled('info');
  return async function requestLogMiddleware(ctx: Context, next: Next) {
    const given = ctx.get('x-request-id');
    const requestId = /^[A-Za-z0-9._-]{8,64}$/.test(given) ? given : randomUUID();
    ctx.state.requestId = requestId;
    let child: Logger | undefined;
    Object.defineProperty(ctx.state, 'log', { configurable: true, enumerable: false, get: () => (child ??= log.child({ requestId })) });
    ctx.set('X-Request-Id', requestId);
    const started = accessLog ? process.hrtime.bigint() : 0n;
    try {
      await next();
    } finally {
      if (accessLog && !QUIET.has(ctx.path)) {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        log.info(
          { requestId, method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(ms * 10) / 10, ip: ctx.ip },
          'request',
        );
      }
    }
  };
}
