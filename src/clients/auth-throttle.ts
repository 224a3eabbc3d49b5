/**
 * Throttles failed client authentication in front of oidc-provider (login/throttle.ts holds the
 * counters). Rules:
 * - the client is the one presented (Basic credentials, else `client_id`, else a client assertion's
 *   `sub`); an unknown client id counts under one shared name, so sprayed ids add no rows;
 * - while the (client, IP) or IP counter is blocked the answer is 429 `invalid_client` with
 *   Retry-After, even for the right secret; the client from any other address goes on working;
 * - a failure (oidc-provider's 401 `invalid_client`) is counted and audited (the client id and
 *   address, never a secret); a success resets that client's counter for that address.
 */
import type { Context, Middleware, Next } from 'koa';
import type { Audit } from '../audit/index.js';
import type { ClientAuthThrottle } from '../login/throttle.js';
import type { ClientRegistry } from './registry.js';
import { CLIENT_AUTH_PATHS } from '../http/provider-paths.js';
import { providerForm } from '../http/provider-body.js';

const UNKNOWN = '(unknown client)';

function basicClientId(header: string): string | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=._-]+)$/i.exec(header);
  if (!m) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 1) return undefined;
  try {
    return decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
  } catch {
    return decoded.slice(0, colon);
  }
}

function assertionSubject(assertion: string | null): string | undefined {
  const payload = assertion?.split('.')[1];
  if (!payload) return undefined;
  try {
    const sub = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sub?: unknown }).sub;
    return typeof sub === 'string' ? sub : undefined;
  } catch {
    return undefined;
  }
}

/** The client id a request presents, if it presents one. */
export function presentedClientId(ctx: Context): string | undefined {
  const fromHeader = ctx.get('authorization') ? basicClientId(ctx.get('authorization')) : undefined;
  if (fromHeader) return fromHeader;
  const form = providerForm(ctx);
  return form.get('client_id') || assertionSubject(form.get('client_assertion')) || undefined;
}

export function clientAuthThrottle(deps: { throttle: ClientAuthThrottle; clients: ClientRegistry; audit: Audit }): Middleware {
  const { throttle, clients, audit } = deps;
  const known = async (id: string) => id.length <= 200 && (await clients.metadata(id)) !== undefined;

  return async function clientAuthThrottleMiddleware(ctx: Context, next: Next) {
    const presented = ctx.method === 'POST' && CLIENT_AUTH_PATHS.has(ctx.path) ? presentedClientId(ctx) : undefined;
    if (!presented) return next();
    const isKnown = await known(presented);
    const subject = { clientId: isKnown ? presented : UNKNOWN, ip: ctx.ip };
    const checked = await throttle.check(subject);
    if (checked.wait > 0) {
      ctx.status = 429;
      ctx.set('Retry-After', String(checked.wait));
      const description = `too many failed client authentications; try again in ${checked.wait} seconds`;
      ctx.body = { error: 'invalid_client', error_description: description };
      return;
    }
    await next();
    if (ctx.status === 401 && (ctx.body as { error?: string } | undefined)?.error === 'invalid_client') {
      await throttle.failure(subject);
      await audit.record(ctx, {
        type: 'client.auth_failed',
        outcome: 'failure',
        clientId: isKnown ? presented : null,
        data: { path: ctx.path },
      });
    } else if (ctx.status < 400) {
      await throttle.success(subject, checked);
    }
  };
}
