/**
 * Sign-in pages for one interaction: email, then password (or consent for third-party apps).
 * HTTP only: parse the form, call the journey, render or redirect.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import { applyPersonLanguage, applyUiLocales } from '../http/i18n.js';
import { renderPage } from '../http/views.js';
import { emailSchema } from '../accounts/users.js';
import type { Interactions, InteractionView } from '../oidc/interactions.js';
import type { Journey } from './journey.js';
import { wantsFreshFactor } from './journey-types.js';
import { isKnownDevice, rememberDevice } from './known-device.js';
import { bodyOf, form, text } from '../http/input.js';
import { decide } from '../routing/decide.js';
import { continuePage, go } from '../routing/respond.js';
import type { Resume } from '../routing/resume.js';

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
  resume: Resume;
  /** The language a known person chose (users.locale): the consent page, shown to a signed-in person, speaks it. */
  personLocale?: (accountId: string) => Promise<string | null | undefined>;
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
    deps.resume.remember(ctx, v.uid, v.params);
    const state = await journey.stateOf(v);
    const hint = v.params.login_hint;
    let next = decide({
      at: 'interaction',
      prompt: v.prompt,
      journey: { userId: state.userId, realm: state.realm?.kind, email: state.email },
      session: {
        accountId: v.sessionAccountId,
        wantsMore: v.reasons.includes('mfa_required') || v.reasons.includes('policy_changed') || wantsFreshFactor(v),
      },
      hints: { email: hint && emailSchema.safeParse(hint).success ? hint : undefined, domain: v.params.domain_hint },
    });
    if (next.kind === 'continue') {
      // Step-up: the person is signed in; the app asks for a second factor on top, or the session no
      // longer meets the policy in force (session-policy.ts). A factor page when the gate wants one;
      // otherwise a "Continue" that posts, since a GET never concludes a sign-in.
      const step = await journey.previewStepUp(ctx, v, v.sessionAmr ?? ['pwd']);
      if (step === 'factor') next = { kind: 'factor' };
      else if (step === 'continue') return continuePage(ctx, `/interaction/${v.uid}/continue`, v.clientName);
      else next = { kind: 'email' };
    }
    if (next.kind === 'discover') {
      // Home realm discovery for the app's hint, then the page it routes to.
      const realm = next.email ? await journey.identify(v.uid, next.email) : await journey.hintDomain(v.uid, next.domain!);
      if (realm && realm.kind === 'company') next = { kind: 'company' };
      else next = realm && next.email ? { kind: 'password', email: next.email } : { kind: 'email' };
    }
    switch (next.kind) {
      case 'consent':
        if (v.sessionAccountId && deps.personLocale) applyPersonLanguage(ctx, await deps.personLocale(v.sessionAccountId));
        return consentPage(ctx, v);
      case 'password':
        return passwordPage(ctx, v, next.email);
      case 'email':
        return emailPage(ctx, v);
      default:
        return go(ctx, next, v.uid);
    }
  });

  /** The step-up's "Continue" (the GET above showed it): concludes at the gate. */
  router.post('/continue', async (ctx) => {
    const v = await view(ctx);
    const outcome = v.sessionAccountId ? await journey.stepUp(ctx, v, v.sessionAmr ?? ['pwd']) : undefined;
    if (outcome?.kind === 'finished') return;
    if (outcome?.kind === 'denied')
      return renderPage(ctx, 'error', { title: ctx.state.t('error.title'), message: ctx.state.t(outcome.reason) }, 403);
    ctx.status = 303;
    ctx.redirect(`/interaction/${v.uid}${outcome?.kind === 'second_factor' ? '/factor' : ''}`);
  });

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
    const typed = (await journey.stateOf(v)).email; // read with the interaction (no statement of its own)
    // An empty password is not a wrong one: say what to enter (and count no failed attempt).
    if (!body.password && typed) return passwordPage(ctx, v, typed, { error: ctx.state.t('login.enter_password'), status: 400, remember });
    const outcome = await journey.password(ctx, v, {
      password: body.password,
      remember,
      knownDevice: (userId) => isKnownDevice(ctx, userId),
    });
    if (outcome.kind === 'finished') rememberDevice(ctx, outcome.userId, deps.secure);
    const next = decide({ at: 'outcome', outcome });
    if (next.kind !== 'refused') return go(ctx, next, v.uid);
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
