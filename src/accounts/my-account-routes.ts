/**
 * "My account": profile, password change, active sessions (sign out one or all). The page belongs to
 * Wayfinder's own first-party app `wayfinder-account`: without a session it sends the browser through
 * the ordinary sign-in journey (authorization code + PKCE), so it passes the same policy gate.
 * Each visit extends a "stay signed in" session (sliding lifetime).
 */
import { createHash, randomBytes } from 'node:crypto';
import Router from '@koa/router';
import type { Context } from 'koa';
import { AppError } from '../lib/errors.js';
import { renderPage } from '../http/views.js';
import type { Sessions } from '../oidc/sessions.js';
import type { ClientRegistry } from '../clients/registry.js';
import type { AccountStore } from './store.js';
import type { Lifecycle } from './lifecycle.js';

export const ACCOUNT_CLIENT_ID = 'wayfinder-account';
const STATE_COOKIE = 'wf_account_state';

export async function ensureAccountClient(clients: ClientRegistry, issuer: string) {
  await clients.upsert({
    client_id: ACCOUNT_CLIENT_ID, client_name: 'My account', token_endpoint_auth_method: 'none', first_party: true,
    redirect_uris: [`${issuer}/account/callback`], post_logout_redirect_uris: [`${issuer}/account`],
    grant_types: ['authorization_code'],
  });
}

export interface MyAccountDeps {
  issuer: string;
  secure: boolean;
  rememberDays: number;
  sessions: Sessions;
  accounts: AccountStore;
  lifecycle: Lifecycle;
  minPasswordLength: number;
}

export function myAccountRoutes(d: MyAccountDeps) {
  const router = new Router({ prefix: '/account' });
  const cookieOpts = { signed: true, httpOnly: true, sameSite: 'lax' as const, secure: d.secure, overwrite: true };

  function startSignIn(ctx: Context) {
    const state = randomBytes(16).toString('base64url');
    const verifier = randomBytes(32).toString('base64url');
    ctx.cookies.set(STATE_COOKIE, state, { ...cookieOpts, maxAge: 3600e3 });
    const url = new URL('/auth', d.issuer);
    url.search = new URLSearchParams({
      client_id: ACCOUNT_CLIENT_ID, response_type: 'code', scope: 'openid', redirect_uri: `${d.issuer}/account/callback`, state,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256',
      ...(ctx.state.lang ? { ui_locales: ctx.state.lang } : {}),
    }).toString();
    ctx.redirect(url.toString());
  }

  /** The signed-in person, or undefined after redirecting to sign-in / throwing for POSTs. */
  async function signedIn(ctx: Context) {
    const session = await d.sessions.current(ctx);
    const user = session ? await d.accounts.findUser(session.accountId!) : undefined;
    if (!session || !user || user.status !== 'active') {
      if (ctx.method !== 'GET') throw new AppError('login_required', 401, 'sign in again to continue');
      startSignIn(ctx);
      return undefined;
    }
    if (!session.transient) {
      const ttl = d.rememberDays * 86400;
      await session.save(ttl);
      ctx.cookies.set('wf_session', session.id, { ...cookieOpts, maxAge: ttl * 1000 });
    }
    return { session, user };
  }

  async function page(ctx: Context, who: NonNullable<Awaited<ReturnType<typeof signedIn>>>, extra: Record<string, unknown> = {}, status = 200) {
    const t = ctx.state.t;
    const sessions = await d.sessions.list(who.user.id, who.session.id);
    renderPage(ctx, 'account', {
      title: t('account.title'), user: who.user, sessions, minLength: d.minPasswordLength,
      fmt: (date: Date | null) => (date ? new Intl.DateTimeFormat(ctx.state.lang, { dateStyle: 'medium', timeStyle: 'short' }).format(date) : '—'),
      ...extra,
    }, status);
  }

  router.get('/callback', (ctx) => {
    const expected = ctx.cookies.get(STATE_COOKIE, { signed: true });
    ctx.cookies.set(STATE_COOKIE, null, cookieOpts);
    if (!expected || ctx.query.state !== expected) throw new AppError('invalid_state', 400, 'this sign-in link is not valid here; open My account again');
    if (ctx.query.error) throw new AppError('access_denied', 403, String(ctx.query.error_description ?? ctx.query.error));
    ctx.redirect('/account');
  });

  router.get('/', async (ctx) => {
    const who = await signedIn(ctx);
    if (who) await page(ctx, who, { notice: ctx.query.done ? ctx.state.t(`account.done_${String(ctx.query.done).replace(/[^a-z_]/g, '')}`) : undefined });
  });

  router.post('/password', async (ctx) => {
    const who = (await signedIn(ctx))!;
    const b = ((ctx.request as any).body ?? {}) as Record<string, string>;
    let ok = false;
    try {
      ok = await d.lifecycle.changePassword(ctx, who.user, { current: String(b.current_password ?? ''), password: String(b.new_password ?? ''), lang: ctx.state.lang });
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== 'weak_password') throw err;
      return page(ctx, who, { passwordError: ctx.state.t(String(err.details?.key), { min: d.minPasswordLength }) }, 400);
    }
    if (!ok) return page(ctx, who, { passwordError: ctx.state.t('account.wrong_current') }, 400);
    ctx.status = 303;
    ctx.redirect('/account?done=password');
  });

  router.post('/sessions/:id/sign-out', async (ctx) => {
    const who = (await signedIn(ctx))!;
    await d.sessions.signOut(who.user.id, ctx.params.id);
    ctx.status = 303;
    ctx.redirect(ctx.params.id === who.session.id ? '/account' : '/account?done=session');
  });

  router.post('/sessions/sign-out-all', async (ctx) => {
    const who = (await signedIn(ctx))!;
    await d.sessions.signOutAll(who.user.id);
    ctx.status = 303;
    ctx.redirect('/account');
  });

  return router;
}
