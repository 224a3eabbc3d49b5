/**
 * Our pages for oidc-provider's own screens: errors, logout confirmation, signed-out, and the device
 * pairing steps. None of oidc-provider's placeholder pages ever ships. oidc-provider hands us a form
 * with its own CSRF value; we keep its action and token and render our own fields.
 */
import type { Context } from 'koa';
import type { Configuration } from 'oidc-provider';
import { describeProtocolError } from '../http/protocol-errors.js';
import { renderPage } from '../http/views.js';
import { formatUserCode, renderCodeEntry, whenRequested } from '../device/pages.js';

/** oidc-provider's form action, re-rooted on the issuer: its path only, never a host a request named. */
function formFields(ctx: Context, form: string) {
  const raw = /action="([^"]+)"/.exec(form)?.[1] ?? '';
  const issuer = new URL((ctx as OidcContext).oidc?.provider?.issuer ?? ctx.state.issuer ?? 'http://invalid');
  const given = new URL(raw.replace(/&amp;/g, '&'), issuer);
  const action = new URL(`${given.pathname.replace(/^\/+/, '/')}${given.search}`, issuer.origin).href;
  const xsrf = /name="xsrf" value="([^"]+)"/.exec(form)?.[1] ?? '';
  return { action, xsrf };
}

/** The app of the request, when oidc-provider has resolved one. */
const clientOf = (ctx: Context) => (ctx as Context & { oidc?: { client?: { clientId: string; clientName?: string } } }).oidc?.client;

type OidcContext = Context & { oidc?: { provider?: { issuer?: string } } };

const ERROR_KEYS: Record<string, string> = {
  invalid_request: 'error.invalid_request',
  invalid_client: 'error.invalid_client',
  invalid_redirect_uri: 'error.invalid_redirect_uri',
  unauthorized_client: 'error.unauthorized_client',
  access_denied: 'error.access_denied',
  login_required: 'error.login_required',
  session_not_found: 'error.session_expired',
  invalid_target: 'error.invalid_target',
  invalid_scope: 'error.invalid_scope',
};

export const oidcPages = {
  async renderError(ctx: Context, out: { error: string; error_description?: string }, error?: Error) {
    // A resume step whose interaction is gone, expired or bound to another session (Back after
    // signing in, a second tab): recovered by src/routing/recover.ts, never a dead end.
    const recoverFlow = ctx.state.recoverFlow as ((uid?: string) => Promise<void>) | undefined;
    if (error?.name === 'SessionNotFound' && recoverFlow && /^\/auth\/[^/]+$/.test(ctx.path)) return recoverFlow();
    const t = ctx.state.t;
    const key = ERROR_KEYS[out.error] ?? 'error.generic';
    renderPage(
      ctx as Context,
      'error',
      {
        title: t('error.title'),
        message: t(key),
        // The description translated when we know it; otherwise offered as a technical detail (English, marked so).
        hint: describeProtocolError(t, out.error_description),
        detail: describeProtocolError(t, out.error_description) ? undefined : out.error_description,
        requestId: ctx.state.requestId,
      },
      ctx.status >= 400 ? ctx.status : 400,
    );
  },

  async logoutSource(ctx: Context, form: string) {
    const t = ctx.state.t;
    const client = clientOf(ctx);
    renderPage(ctx, 'logout', {
      title: t('logout.title'),
      ...formFields(ctx, form),
      appName: client?.clientName ?? client?.clientId,
    });
  },

  async postLogoutSuccessSource(ctx: Context) {
    const t = ctx.state.t;
    const client = clientOf(ctx);
    renderPage(ctx, 'logged-out', { title: t('logout.done_title'), appName: client?.clientName });
  },

  async userCodeInputSource(ctx: Context, form: string, _out: unknown, err?: { name?: string; userCode?: string }) {
    const t = ctx.state.t;
    let error: string | undefined;
    if (err?.name === 'NoCodeError') error = t('device.enter_code');
    else if (err?.userCode) {
      error = t('device.wrong_code');
      // src/device/guards.ts counts it as a failed guess (throttle and audit).
      ctx.state.deviceCodeRejected = true;
    } else if (err?.name === 'AbortedError') error = t('device.aborted');
    else if (err) error = t('error.generic');
    const value = err ? undefined : (ctx.state.deviceUserCode as string | undefined);
    renderCodeEntry(ctx, { ...formFields(ctx, form), error, value: value && formatUserCode(value) }, err ? 400 : 200);
  },

  async userCodeConfirmSource(
    ctx: Context,
    form: string,
    client: { clientName?: string; clientId: string },
    deviceInfo: { ip?: string; ua?: string; at?: number },
    userCode: string,
  ) {
    const t = ctx.state.t;
    renderPage(ctx, 'device-confirm', {
      title: t('device.confirm_title'),
      ...formFields(ctx, form),
      userCode,
      appName: client.clientName ?? client.clientId,
      deviceIp: deviceInfo?.ip,
      requestedAt: whenRequested(ctx, deviceInfo?.at),
    });
  },

  async successSource(ctx: Context) {
    const t = ctx.state.t;
    const client = clientOf(ctx);
    renderPage(ctx, 'device-success', { title: t('device.success_title'), appName: client?.clientName ?? client?.clientId });
  },
} satisfies Record<string, (...args: never[]) => Promise<void>>;

export type OidcPages = typeof oidcPages;
export type RenderError = NonNullable<Configuration['renderError']>;
