/**
 * Guards in front of oidc-provider's device flow (RFC 8628). Rules:
 * - the device authorization answer carries `interval`; a device polling sooner than that gets
 *   `slow_down` (it adds 5 seconds, §3.5), counted in the database so every instance agrees;
 * - a device polling with a code past its expiry gets `expired_token` (§3.5), not invalid_grant;
 * - typed user codes are throttled like passwords: per address (the same address counter as
 *   password guesses) and per code; a wrong code is a security event; while blocked, the page says
 *   how long to wait and no code is looked up;
 * - a code given in the address only fills the entry field in (device/pages.ts);
 * - a client registered without the device grant is answered `unauthorized_client`;
 * - when the device redeems an approved code, the account is checked again (redemption.ts): a
 *   refused code is ended for good and answered `access_denied`.
 */
import type { Context, Middleware, Next } from 'koa';
import type { Audit } from '../audit/index.js';
import type { Throttle } from '../login/throttle.js';
import type { DeviceCodes, DeviceCodeView } from '../oidc/device-codes.js';
import { providerForm } from '../http/provider-body.js';
import type { DeviceStore } from './store.js';
import { normalizeUserCode, renderCodeEntry } from './pages.js';
import { queryOf } from '../http/input.js';
import { lenient } from '../http/route-fields.js';
import { z } from 'zod';

/** A link's prefilled code (`/device?user_code=`): one that is not one short value prefills nothing. */
const prefillQuery = z.object({ user_code: lenient(100) });

export const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

export interface DeviceGuardDeps {
  issuer: string;
  codes: DeviceCodes;
  store: DeviceStore;
  throttle: Throttle;
  audit: Audit;
  interval: number;
  codeSeconds: number;
  /** Why an approved code may not be redeemed now (undefined: it may). */
  refusal: (ctx: Context, code: DeviceCodeView & { accountId: string }) => Promise<string | undefined>;
}

function oauthError(ctx: Context, error: string, description: string) {
  ctx.status = 400;
  ctx.set('Cache-Control', 'no-store');
  ctx.body = { error, error_description: description };
}

export function deviceGuards(d: DeviceGuardDeps): Middleware {
  async function poll(ctx: Context, next: Next, deviceCode: string) {
    const code = await d.codes.find(deviceCode);
    if (!code) {
      // Expired codes are not live rows any more: oidc-provider would say invalid_grant (RFC 8628 §3.5: expired_token).
      if (await d.store.expired(deviceCode)) return oauthError(ctx, 'expired_token', 'the device code has expired: start again');
      return next();
    }
    const { tooFast, interval } = await d.store.poll(deviceCode, d.interval, d.codeSeconds);
    if (tooFast)
      return oauthError(ctx, 'slow_down', `polling too often: add 5 seconds to the interval (at least ${interval + 5} seconds now)`);
    if (code.accountId) {
      const reason = await d.refusal(ctx, { ...code, accountId: code.accountId });
      if (reason) {
        await d.codes.refuse(deviceCode);
        await d.audit.record(ctx, {
          type: 'device.redeem_refused',
          outcome: 'failure',
          userId: code.accountId,
          clientId: code.clientId,
          data: { reason },
        });
        return oauthError(ctx, 'access_denied', 'this account can no longer sign in on this device');
      }
    }
    return next();
  }

  async function enterCode(ctx: Context, next: Next) {
    const form = providerForm(ctx);
    const typed = normalizeUserCode(form.get('user_code'));
    if (!typed || form.get('abort')) return next();
    const subject = { emailNorm: `user-code:${typed}`, ip: ctx.ip, knownDevice: false };
    const checked = await d.throttle.check(subject);
    if (checked.wait > 0) {
      await d.audit.record(ctx, { type: 'device.code_throttled', outcome: 'failure', data: { wait: checked.wait } });
      ctx.set('Retry-After', String(checked.wait));
      const t = ctx.state.t;
      const action = new URL('/device', d.issuer).href;
      return renderCodeEntry(ctx, { action, xsrf: form.get('xsrf') ?? '', error: t('device.too_many', { seconds: checked.wait }) }, 429);
    }
    await next();
    if (ctx.state.deviceCodeRejected) {
      await d.throttle.failure(subject);
      await d.audit.record(ctx, { type: 'device.code_rejected', outcome: 'failure', data: {} });
    } else if (ctx.status < 400) await d.throttle.success(subject, checked);
  }

  return async function deviceGuard(ctx: Context, next: Next) {
    if (ctx.path === '/device' && ctx.method === 'GET' && ctx.querystring) {
      // Only the field is filled in: the person still presses Continue, then confirms.
      ctx.state.deviceUserCode = normalizeUserCode(queryOf(ctx, prefillQuery).user_code);
      ctx.querystring = '';
      return next();
    }
    if (ctx.path === '/device' && ctx.method === 'POST') return enterCode(ctx, next);
    if (ctx.method !== 'POST') return next();
    if (ctx.path === '/device/auth') {
      await next();
      const body = ctx.body as Record<string, unknown> | undefined;
      if (ctx.status === 200 && body && typeof body.device_code === 'string') {
        body.interval = d.interval;
        await d.store.issued(body.device_code, d.interval, typeof body.expires_in === 'number' ? body.expires_in : d.codeSeconds);
      }
      // oidc-provider says invalid_request; RFC 8628 §3.2 (RFC 6749 §5.2) names it unauthorized_client.
      if (ctx.status === 400 && body?.error === 'invalid_request' && /is not allowed for this client/.test(String(body.error_description)))
        body.error = 'unauthorized_client';
      return;
    }
    if (ctx.path === '/token') {
      const form = providerForm(ctx);
      const deviceCode = form.get('device_code');
      if (form.get('grant_type') === DEVICE_GRANT && deviceCode) return poll(ctx, next, deviceCode);
    }
    return next();
  };
}
