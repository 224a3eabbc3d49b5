/**
 * Social sign-in pages inside an interaction. HTTP only: parse, call the social sign-in, render or
 * redirect.
 * - POST /interaction/:uid/social/:connection/start  a button of the sign-in page → the provider
 * - GET  /interaction/:uid/social/done               back from the provider: linked → the policy gate
 * - GET  /interaction/:uid/social/link               not linked yet: prove an account, or sign up
 * - POST /interaction/:uid/social/link/password      proof by password
 * - POST /interaction/:uid/social/link/send-code     proof by a code mailed to the account
 * - POST /interaction/:uid/social/link/code          the code
 * - POST /interaction/:uid/social/signup             sign-up through the provider (where allowed)
 * Failures render a translated page with a way back (and are audited), never a 500.
 */
import { decide } from '../../routing/decide.js';
import { go } from '../../routing/respond.js';
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Audit } from '../../audit/index.js';
import { bodyOf, form, queryOf, text } from '../../http/input.js';
import { renderPage } from '../../http/views.js';
import { guard } from '../../http/guard.js';
import { pathParams, routeParam } from '../../http/route-fields.js';
import type { Outcome } from '../../login/journey.js';
import type { Interactions, InteractionView } from '../../oidc/interactions.js';
import type { FederationError } from '../errors.js';
import type { SocialSignIn } from './sign-in.js';
import { failurePage, interactionSteps, seeOther } from '../routes.js';

const passwordForm = form({ email: text, password: text });
const emailForm = form({ email: text });
const codeForm = form({ code: text });
const resultQuery = form({ result: text });

export interface SocialRouteDeps {
  interactions: Interactions;
  signIn: SocialSignIn;
  audit: Audit;
}

/** The failure page of social sign-in: what happened, what to do, a way back (the sign-in, or My account). Audited. */
export const socialFailurePage = (
  ctx: Context,
  audit: Audit,
  err: FederationError,
  where: { uid?: string; connectionId?: string; clientId?: string },
) => failurePage(ctx, audit, err, where, 'social');

export function socialRoutes(d: SocialRouteDeps) {
  const router = new Router({ prefix: '/interaction/:uid/social' });

  const { guarded } = interactionSteps(d.interactions, d.audit, 'social', (ctx) => routeParam(ctx, 'connection'));
  const startPath = guard({ params: pathParams('connection') });
  const redirect = seeOther;

  /** After the gate: finished (already answered), a second factor, or a refusal with a way on. */
  function after(ctx: Context, v: InteractionView, outcome: Outcome) {
    const next = decide({ at: 'outcome', outcome });
    if (next.kind !== 'refused') return go(ctx, next, v.uid);
    const t = ctx.state.t;
    const reason = outcome.kind === 'denied' ? outcome.reason : 'error.generic';
    const ssoOnly = reason === 'login.sso_only';
    renderPage(
      ctx,
      'social-error',
      {
        title: t('social.error_title'),
        message: t(ssoOnly ? 'social.sso_only' : reason),
        hint: ssoOnly ? t('social.sso_only_hint') : '',
        uid: v.uid,
        companySignIn: ssoOnly,
      },
      403,
    );
  }

  async function linkPage(ctx: Context, v: InteractionView, opts: { error?: string; status?: number; codeSent?: string } = {}) {
    const { conn, pending } = await d.signIn.waiting(v.uid);
    const t = ctx.state.t;
    renderPage(
      ctx,
      'social-link',
      {
        title: t('social.link_title', { name: conn.name }),
        uid: v.uid,
        provider: conn.name,
        email: pending.person.email ?? '',
        signUp: conn.settings.allow_sign_up,
        error: opts.error,
        codeSent: Boolean(opts.codeSent),
        codeEmail: opts.codeSent,
      },
      opts.status ?? 200,
    );
  }

  router.post(
    '/:connection/start',
    startPath,
    guarded(async (ctx, v) => {
      redirect(ctx, await d.signIn.start(ctx, v, startPath.input(ctx).params.connection));
    }),
  );

  router.get(
    '/done',
    guarded(async (ctx, v) => {
      ctx.state.callback = true; // the upstream's answer, relayed by its callback: may conclude (see journey.finish)
      const outcome = await d.signIn.complete(ctx, v, queryOf(ctx, resultQuery).result);
      if (outcome.kind === 'needs_link') return redirect(ctx, `/interaction/${v.uid}/social/link`);
      after(ctx, v, outcome);
    }),
  );

  router.get(
    '/link',
    guarded((ctx, v) => linkPage(ctx, v)),
  );

  router.post(
    '/link/password',
    guarded(async (ctx, v) => {
      const b = bodyOf(ctx, passwordForm);
      const outcome = await d.signIn.password(ctx, v, b.email.trim(), b.password);
      const t = ctx.state.t;
      if (outcome.kind === 'throttled') {
        ctx.set('Retry-After', String(outcome.seconds));
        return linkPage(ctx, v, { error: t('login.throttled', { seconds: outcome.seconds }), status: 429 });
      }
      if (outcome.kind === 'wrong') return linkPage(ctx, v, { error: t('login.wrong_password'), status: 400 });
      after(ctx, v, outcome);
    }),
  );

  router.post(
    '/link/send-code',
    guarded(async (ctx, v) => {
      const email = bodyOf(ctx, emailForm).email.trim();
      await d.signIn.sendCode(ctx, v, email, ctx.state.lang);
      await linkPage(ctx, v, { codeSent: email });
    }),
  );

  router.post(
    '/link/code',
    guarded(async (ctx, v) => {
      const outcome = await d.signIn.code(ctx, v, bodyOf(ctx, codeForm).code);
      if (outcome.kind === 'wrong') {
        const codeSent = (await d.signIn.waiting(v.uid)).pending.code?.email;
        return linkPage(ctx, v, { error: ctx.state.t('factor.code_wrong'), status: 400, codeSent });
      }
      if (outcome.kind === 'expired') return linkPage(ctx, v, { error: ctx.state.t('factor.code_expired'), status: 400 });
      after(ctx, v, outcome);
    }),
  );

  router.post(
    '/signup',
    guarded(async (ctx, v) => {
      const outcome = await d.signIn.signUp(ctx, v, ctx.state.lang);
      if (outcome.kind === 'code_sent') return linkPage(ctx, v, { codeSent: outcome.email });
      after(ctx, v, outcome);
    }),
  );

  return router;
}
