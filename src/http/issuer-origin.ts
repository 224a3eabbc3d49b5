/**
 * Every absolute URL Wayfinder writes comes from ISSUER, never from what a request says about itself:
 * - the Host (and X-Forwarded-Host) header is replaced by the issuer's host before anything reads it, so
 *   ctx.host / ctx.origin / ctx.href — and oidc-provider's urlFor(), which builds form actions from them —
 *   name the issuer; ctx.state.issuer is there for pages;
 * - an https issuer reached over plain http (a proxy that terminates TLS without sending
 *   X-Forwarded-Proto: https, or no TRUST_PROXY) would fail at the first secure cookie with a 500: it gets
 *   a configuration error page (503) instead, and one log line naming the missing header. Health
 *   probes (/healthz, /readyz, /metrics) set no cookie and are answered as usual.
 */
import type { Context, Next } from 'koa';
import type { Logger } from '../lib/log.js';
import { AppError } from '../lib/errors.js';

const PROBES = new Set(['/healthz', '/readyz', '/metrics']);

export function issuerOrigin(issuer: string, trustProxy: boolean, log: Logger) {
  const url = new URL(issuer);
  const secure = url.protocol === 'https:';
  let warned = false;
  return async function canonicalOrigin(ctx: Context, next: Next) {
    ctx.req.headers.host = url.host;
    delete ctx.req.headers['x-forwarded-host'];
    ctx.state.issuer = url.origin;
    if (secure && ctx.protocol !== 'https' && !PROBES.has(ctx.path)) {
      if (!warned) {
        warned = true;
        log.error(
          { issuer: url.origin, trustProxy, header: 'X-Forwarded-Proto' },
          trustProxy
            ? 'requests arrive without X-Forwarded-Proto: https although the issuer is https: the proxy must send X-Forwarded-Proto'
            : 'requests arrive over plain http although the issuer is https: set TRUST_PROXY=true and have the proxy send X-Forwarded-Proto',
        );
      }
      throw new AppError('proxy_misconfigured', 503, 'the proxy in front of Wayfinder must send X-Forwarded-Proto: https', true);
    }
    await next();
  };
}
