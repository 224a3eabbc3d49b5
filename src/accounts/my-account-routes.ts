/**
 * "My account": the page (every section), password change (signs out the other devices unless
 * unticked), where you're signed in (sign out one or all), and the sections other features add
 * (profile and linked sign-ins in profile-routes.ts, two-step verification, trusted devices, apps).
 * Who is signed in comes from current-person.ts (which also sends a signed-out browser through the
 * sign-in journey, and renders a signed-in person's pages in their language). The place of a session
 * is not shown: Wayfinder ships no local geo-IP data, and would not send addresses elsewhere.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import { AppError } from '../lib/errors.js';
import { renderPage } from '../http/views.js';
import type { Sessions } from '../oidc/sessions.js';
import type { ClientRegistry } from '../clients/registry.js';
import { ACCOUNT_CLIENT_ID, freshFactor, type CurrentPerson, type SignedIn } from './current-person.js';
import type { Lifecycle } from './lifecycle.js';
import { bodyOf, textFields } from '../http/input.js';
import { guard } from '../http/guard.js';
import { pathParams, queryText } from '../http/route-fields.js';
import { z } from 'zod';
import { deviceName } from './device-name.js';
import { LANGUAGE_NAMES, LANGUAGES } from '../http/i18n.js';

export async function ensureAccountClient(clients: ClientRegistry, issuer: string) {
  await clients.upsert({
    client_id: ACCOUNT_CLIENT_ID,
    client_name: 'My account',
    token_endpoint_auth_method: 'none',
    first_party: true,
    redirect_uris: [`${issuer}/account/callback`],
    post_logout_redirect_uris: [`${issuer}/account`],
    grant_types: ['authorization_code'],
  });
}

/** A section's data for the page of the signed-in person. */
export type AccountSection = (ctx: Context, userId: string) => Promise<Record<string, unknown>>;

export interface MyAccountDeps {
  person: CurrentPerson;
  sessions: Sessions;
  lifecycle: Lifecycle;
  minPasswordLength: number;
  /** An app's display name (the sessions list says which apps a session signed in to). */
  appName?: (clientId: string) => Promise<string | undefined>;
  /** Extra sections of the page (two-step verification, trusted devices, linked sign-ins), by feature. */
  sections: Array<AccountSection>;
}

export type AccountPage = (ctx: Context, who: SignedIn, extra?: Record<string, unknown>, status?: number) => Promise<void>;

/** Renders My account with every section; `extra` carries a form's errors or a notice. */
export function accountPage(d: Omit<MyAccountDeps, 'person' | 'lifecycle'>): AccountPage {
  return async (ctx, who, extra = {}, status = 200) => {
    const t = ctx.state.t;
    const listed = await d.sessions.list(who.user.id, who.session.id);
    // Each session with the names of the apps it signed in to (My account itself left out).
    const sessions = await Promise.all(
      listed.map(async (s) => ({
        ...s,
        appNames: (await Promise.all(s.apps.filter((id) => id !== ACCOUNT_CLIENT_ID).map((id) => d.appName?.(id)))).filter(Boolean),
      })),
    );
    const sections = Object.assign({}, ...(await Promise.all(d.sections.map((s) => s(ctx, who.user.id)))));
    renderPage(
      ctx,
      'account',
      {
        title: t('account.title'),
        wide: true,
        user: who.user,
        sessions,
        minLength: d.minPasswordLength,
        localeOptions: LANGUAGES.map((code) => ({ code, name: LANGUAGE_NAMES[code] })),
        currentLang: ctx.state.lang,
        freshFactor: freshFactor(who),
        ...sections,
        device: (userAgent: string | null | undefined) => deviceName(userAgent, t),
        ...extra,
      },
      status,
    );
  };
}

export function myAccountRoutes(d: MyAccountDeps) {
  const router = new Router({ prefix: '/account' });
  const signedIn = (ctx: Context) => d.person.signedIn(ctx);
  const page = accountPage(d);

  router.get('/callback', (ctx) => d.person.callback(ctx));

  const home = guard({ query: z.object({ done: queryText(100) }) });
  router.get('/', home, async (ctx) => {
    const who = await signedIn(ctx);
    const { done } = home.input(ctx).query;
    if (who) await page(ctx, who, { notice: done ? ctx.state.t(`account.done_${done.replace(/[^a-z_]/g, '')}`) : undefined });
  });

  router.post('/password', async (ctx) => {
    const who = (await signedIn(ctx))!;
    const b = bodyOf(ctx, textFields);
    const t = ctx.state.t;
    const current = String(b.current_password ?? '');
    const password = String(b.new_password ?? '');
    // Each error belongs to its field, and an empty field says what to enter (not that it is wrong).
    const empty = {
      ...(current ? {} : { current_password: t('account.enter_current') }),
      ...(password ? {} : { new_password: t('account.enter_new') }),
    };
    if (Object.keys(empty).length) return page(ctx, who, { passwordErrors: empty }, 400);
    let ok: boolean;
    try {
      ok = await d.lifecycle.changePassword(ctx, who.user, {
        current,
        password,
        lang: ctx.state.lang,
        keepSessionId: b.sign_out_others === 'yes' ? who.session.id : undefined,
      });
    } catch (err) {
      if (err instanceof AppError && err.code === 'too_many_attempts')
        return page(ctx, who, { passwordErrors: { current_password: t('login.throttled', { seconds: err.details?.seconds }) } }, 429);
      if (!(err instanceof AppError) || err.code !== 'weak_password') throw err;
      return page(ctx, who, { passwordErrors: { new_password: t(String(err.details?.key), { min: d.minPasswordLength }) } }, 400);
    }
    if (!ok) return page(ctx, who, { passwordErrors: { current_password: t('account.wrong_current') } }, 400);
    ctx.status = 303;
    ctx.redirect(b.sign_out_others === 'yes' ? '/account?done=password_signed_out' : '/account?done=password');
  });

  const session = guard({ params: pathParams('id') });
  router.post('/sessions/:id/sign-out', session, async (ctx) => {
    const who = (await signedIn(ctx))!;
    const { id } = session.input(ctx).params;
    await d.sessions.signOut(who.user.id, id);
    ctx.status = 303;
    ctx.redirect(id === who.session.id ? '/account' : '/account?done=session');
  });

  router.post('/sessions/sign-out-all', async (ctx) => {
    const who = (await signedIn(ctx))!;
    await d.sessions.signOutAll(who.user.id);
    ctx.status = 303;
    ctx.redirect('/account');
  });

  return router;
}
