/**
 * Sign-in pages for one interaction: email, then password (or consent for third-party apps).
 * HTTP only: parse the form, call the journey, render or redirect.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import { applyUiLocales } from '../http/i18n.js';
import { renderPage } from '../http/views.js';
import { emailSchema } from '../accounts/users.js';
import type { Interactions, InteractionView } from '../oidc/interactions.js';
import type { Journey } from './journey.js';
import { isKnownDevice, rememberDevice } from './known-device.js';
import { bodyOf, form, text } from '../http/input.js';

const emailForm = form({ email: text });
const passwordForm = form({ password: text, remember: text });
const consentForm = form({ decision: text });

const SCOPE_KEYS: Record<string, string> = {
  openid: 'consent.scope_openid',
  email: 'consent.scope_email',
  profile: 'consent.scope_profile',
  offline_access: 'consent.scope_offline',
};

export interface LoginRouteDeps {
  interactions: Interactions;
  journey: Journey;
  secure: boolean;
  /** The social sign-in buttons of the email page (enabled providers). */
  socialButtons?: () => Promise<Array<{ id: string; name: string; provider: string; mark: string }>>;
}

export function loginRoutes(deps: LoginRouteDeps) {
  const { interactions, journey } = deps;
  const router = new Router({ prefix: '/interaction/:uid' });

  async function view(ctx: Context): Promise<InteractionView> {
    const v = await interactions.details(ctx);
    applyUiLocales(ctx, v.params.ui_locales);
    return v;
  }

  async function emailPage(ctx: Context, v: InteractionView, opts: { email?: string; error?: string } = {}) {
    const t = ctx.state.t;
    const social = (await deps.socialButtons?.()) ?? [];
    renderPage(
      ctx,
      'login-email',
      {
        title: t('login.email_title'),
        uid: v.uid,
        appName: v.clientName,
        email: opts.email ?? '',
        error: opts.error && t(opts.error),
        social,
      },
      opts.error ? 400 : 200,
    );
  }

  function passwordPage(
    ctx: Context,
    v: InteractionView,
    email: string,
    opts: { error?: string; status?: number; remember?: boolean; companySignIn?: boolean } = {},
  ) {
    const t = ctx.state.t;
    renderPage(
      ctx,
      'login-password',
      {
        title: t('login.password_title'),
        uid: v.uid,
        appName: v.clientName,
        email,
        error: opts.error,
        remember: opts.remember ?? false,
        companySignIn: opts.companySignIn ?? false,
      },
      opts.status ?? 200,
    );
  }

  function consentPage(ctx: Context, v: InteractionView) {
    const t = ctx.state.t;
    const d = v.details as { missingOIDCScope?: string[]; missingResourceScopes?: Record<string, string[]> };
    const scopes = (d.missingOIDCScope ?? []).map((s) => (SCOPE_KEYS[s] ? t(SCOPE_KEYS[s]) : s));
    const apis = Object.entries(d.missingResourceScopes ?? {}).map(([api, s]) => ({ api, scopes: s.join(', ') }));
    renderPage(ctx, 'consent', { title: t('consent.title', { app: v.clientName }), uid: v.uid, appName: v.clientName, scopes, apis });
  }

  router.get('/', async (ctx) => {
    const v = await view(ctx);
    if (v.prompt === 'consent') return consentPage(ctx, v);
    const state = await journey.stateOf(v);
    if (state.userId) {
      ctx.status = 303;
      return ctx.redirect(`/interaction/${v.uid}/factor`);
    }
    if (v.sessionAccountId && (v.reasons.includes('mfa_required') || v.reasons.includes('policy_changed'))) {
      // Step-up: the person is signed in; the app asks for a second factor on top, or the session no
      // longer meets the policy in force (session-policy.ts) and the gate asks for what is missing.
      const outcome = await journey.stepUp(ctx, v, v.sessionAmr ?? ['pwd']);
      if (outcome?.kind === 'second_factor') {
        ctx.status = 303;
        return ctx.redirect(`/interaction/${v.uid}/factor`);
      }
      if (outcome?.kind === 'finished') return;
    }
    // The identify step's routing decision (home realm discovery): a company's sign-in, or the password.
    if (state.realm?.kind === 'company') return toCompany(ctx, v);
    if (state.email) return passwordPage(ctx, v, state.email);
    const hint = v.params.login_hint;
    const realm = hint && emailSchema.safeParse(hint).success ? await journey.identify(v.uid, hint) : false;
    if (realm) return realm.kind === 'company' ? toCompany(ctx, v) : passwordPage(ctx, v, hint!);
    if (v.params.domain_hint && (await journey.hintDomain(v.uid, v.params.domain_hint))) return toCompany(ctx, v);
    return emailPage(ctx, v);
  });

  function toCompany(ctx: Context, v: InteractionView) {
    ctx.status = 303;
    ctx.redirect(`/interaction/${v.uid}/sso`);
  }

  router.post('/identify', async (ctx) => {
    const v = await view(ctx);
    const { email } = bodyOf(ctx, emailForm);
    if (!email.trim()) return emailPage(ctx, v, { email, error: 'login.enter_email' }); // empty: say what to enter
    if (!(await journey.identify(v.uid, email))) return emailPage(ctx, v, { email, error: 'login.email_invalid' });
    ctx.status = 303;
    ctx.redirect(`/interaction/${v.uid}`);
  });

  router.post('/restart', async (ctx) => {
    const v = await view(ctx);
    await journey.restart(v.uid);
    ctx.status = 303;
    ctx.redirect(`/interaction/${v.uid}`);
  });

  router.post('/password', async (ctx) => {
    const v = await view(ctx);
    const body = bodyOf(ctx, passwordForm);
    const remember = body.remember === 'yes';
    const typed = (await journey.state(v.uid)).email;
    // An empty password is not a wrong one: say what to enter (and count no failed attempt).
    if (!body.password && typed) return passwordPage(ctx, v, typed, { error: ctx.state.t('login.enter_password'), status: 400, remember });
    const outcome = await journey.password(ctx, v, {
      password: body.password,
      remember,
      knownDevice: (userId) => isKnownDevice(ctx, userId),
    });
    if (outcome.kind === 'finished') return rememberDevice(ctx, outcome.userId, deps.secure);
    if (outcome.kind === 'second_factor') {
      ctx.status = 303;
      return ctx.redirect(`/interaction/${v.uid}/factor`);
    }
    // The outcome carries the address: a denial ends the journey, and the page still shows it with the reason.
    const { email } = outcome;
    if (!email) return emailPage(ctx, v);
    const t = ctx.state.t;
    if (outcome.kind === 'throttled') {
      ctx.set('Retry-After', String(outcome.seconds));
      return passwordPage(ctx, v, email, { error: t('login.throttled', { seconds: outcome.seconds }), status: 429, remember });
    }
    if (outcome.kind === 'denied')
      return passwordPage(ctx, v, email, {
        error: t(outcome.reason),
        status: 403,
        remember,
        companySignIn: outcome.reason === 'login.sso_only',
      });
    return passwordPage(ctx, v, email, { error: t('login.wrong_password'), status: 400, remember });
  });

  router.post('/consent', async (ctx) => {
    const v = await view(ctx);
    if (v.prompt !== 'consent') {
      ctx.status = 303;
      return ctx.redirect(`/interaction/${v.uid}`);
    }
    if (bodyOf(ctx, consentForm).decision === 'allow') return interactions.finishConsent(ctx, v);
    return interactions.abort(ctx, 'access_denied', 'the person declined to share access');
  });

  router.post('/cancel', async (ctx) => {
    await view(ctx);
    await interactions.abort(ctx, 'access_denied', 'the person cancelled the sign-in');
  });

  return router;
}
