/**
 * Public account pages reached from sign-in or from an emailed link: sign-up, email verification,
 * forgot/reset password, invitation activation. Links are only peeked at on GET (mail scanners
 * follow links) and used on POST.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import { AppError } from '../lib/errors.js';
import { renderPage } from '../http/views.js';
import type { Lifecycle } from './lifecycle.js';
import { bodyOf, textFields } from '../http/input.js';
import { guard } from '../http/guard.js';
import { queryText } from '../http/route-fields.js';
import { z } from 'zod';
import { passwordProblem } from './password-policy.js';
import { emailSchema } from './users.js';

const body = (ctx: Context) => bodyOf(ctx, textFields);
const interactionOf = (value: unknown) => (typeof value === 'string' && /^[A-Za-z0-9_-]{10,64}$/.test(value) ? value : undefined);
/** `?interaction=` (an unknown or malformed one is absent: the page leads on without it); `?token=` one value. */
const interactionQuery = guard({ query: z.object({ interaction: z.unknown().optional().transform(interactionOf) }) });
const linkQuery = guard({ query: z.object({ interaction: z.unknown().optional().transform(interactionOf), token: queryText(500) }) });
/** A path with its defined query parameters: the GET page a language link reloads after a failed post. */
const withQuery = (path: string, query: Record<string, string | undefined>) => {
  const q = new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => !!e[1])).toString();
  return q ? `${path}?${q}` : path;
};
const continueHref = (interaction?: string) => (interaction ? `/interaction/${interaction}` : '/account');

function weakPasswordKey(err: unknown) {
  if (err instanceof AppError && err.code === 'weak_password') return String(err.details?.key ?? 'password.too_short');
  if (err instanceof Error && err.name === 'ZodError') return 'login.email_invalid';
  throw err;
}

export function accountLifecycleRoutes(deps: { lifecycle: Lifecycle; minPasswordLength: number }) {
  const { lifecycle } = deps;
  const router = new Router();
  const t = (ctx: Context) => ctx.state.t;
  const linkInvalid = (ctx: Context, interaction?: string) =>
    renderPage(
      ctx,
      'error',
      { title: t(ctx)('link.invalid_title'), message: t(ctx)('link.invalid'), homeHref: continueHref(interaction) },
      400,
    );

  type FieldErrors = Partial<Record<'email' | 'password', string>>;
  const signupPage = (ctx: Context, data: { interaction?: string; email?: string; name?: string; errors?: FieldErrors }, status = 200) =>
    renderPage(
      ctx,
      'signup',
      {
        title: t(ctx)('signup.title'),
        minLength: deps.minPasswordLength,
        pageUrl: withQuery('/signup', { interaction: data.interaction }),
        email: '',
        name: '',
        ...data,
        errors: Object.fromEntries(Object.entries(data.errors ?? {}).map(([f, key]) => [f, t(ctx)(key, { min: deps.minPasswordLength })])),
      },
      status,
    );

  /** Each field checked on its own, its error by it: an empty field says what to enter. */
  function signupErrors(email: string, password: string): FieldErrors {
    const errors: FieldErrors = {};
    if (!email.trim()) errors.email = 'login.enter_email';
    else if (!emailSchema.safeParse(email).success) errors.email = 'login.email_invalid';
    if (!password) errors.password = 'signup.enter_password';
    else {
      const problem = passwordProblem(password, deps.minPasswordLength, errors.email ? undefined : email);
      if (problem) errors.password = problem;
    }
    return errors;
  }

  router.get('/signup', interactionQuery, (ctx) => signupPage(ctx, { interaction: interactionQuery.input(ctx).query.interaction }));
  router.post('/signup', async (ctx) => {
    const b = body(ctx);
    const interaction = interactionOf(b.interaction);
    const [email, password] = [String(b.email ?? ''), String(b.password ?? '')];
    const errors = signupErrors(email, password);
    if (Object.keys(errors).length) return signupPage(ctx, { interaction, email, name: b.name, errors }, 400);
    try {
      await lifecycle.signUp(ctx, { email, name: String(b.name ?? ''), password, lang: ctx.state.lang, interaction });
    } catch (err) {
      return signupPage(ctx, { interaction, email, name: b.name, errors: { password: weakPasswordKey(err) } }, 400);
    }
    renderPage(ctx, 'notice', { title: t(ctx)('signup.sent_title'), message: t(ctx)('signup.sent', { email: b.email }) });
  });

  router.get('/verify-email', linkQuery, async (ctx) => {
    const { interaction, token = '' } = linkQuery.input(ctx).query;
    const user = await lifecycle.peek('verify_email', token);
    if (!user) return linkInvalid(ctx, interaction);
    renderPage(ctx, 'confirm-link', {
      title: t(ctx)('verify.title'),
      message: t(ctx)('verify.lead', { email: user.email }),
      action: '/verify-email',
      token,
      interaction,
      button: t(ctx)('verify.confirm'),
    });
  });
  router.post('/verify-email', async (ctx) => {
    const b = body(ctx);
    const interaction = interactionOf(b.interaction);
    const user = await lifecycle.verifyEmail(ctx, String(b.token ?? ''));
    if (!user) return linkInvalid(ctx, interaction);
    renderPage(ctx, 'notice', {
      title: t(ctx)('verify.done_title'),
      message: t(ctx)('verify.done'),
      href: continueHref(interaction),
      button: t(ctx)('common.continue'),
    });
  });

  const forgotPage = (ctx: Context, data: { interaction?: string; email?: string; error?: string }, status = 200) =>
    renderPage(
      ctx,
      'forgot',
      {
        title: t(ctx)('forgot.title'),
        email: '',
        pageUrl: withQuery('/password/forgot', { interaction: data.interaction }),
        ...data,
        error: data.error && t(ctx)(data.error),
      },
      status,
    );
  router.get('/password/forgot', interactionQuery, (ctx) =>
    forgotPage(ctx, { interaction: interactionQuery.input(ctx).query.interaction }),
  );
  router.post('/password/forgot', async (ctx) => {
    const b = body(ctx);
    const interaction = interactionOf(b.interaction);
    const ok = await lifecycle.forgotPassword(ctx, { email: String(b.email ?? ''), lang: ctx.state.lang, interaction });
    if (!ok) return forgotPage(ctx, { interaction, email: b.email, error: 'login.email_invalid' }, 400);
    renderPage(ctx, 'notice', {
      title: t(ctx)('forgot.sent_title'),
      message: t(ctx)('forgot.sent', { email: b.email }),
      href: continueHref(interaction),
      button: t(ctx)('forgot.back'),
    });
  });

  const resetPage = (ctx: Context, data: { token: string; interaction?: string; email: string; error?: string }, status = 200) =>
    renderPage(
      ctx,
      'reset',
      {
        title: t(ctx)('reset.title'),
        minLength: deps.minPasswordLength,
        pageUrl: withQuery('/password/reset', { token: data.token, interaction: data.interaction }),
        ...data,
        error: data.error && t(ctx)(data.error, { min: deps.minPasswordLength }),
      },
      status,
    );
  router.get('/password/reset', linkQuery, async (ctx) => {
    const { interaction, token = '' } = linkQuery.input(ctx).query;
    const user = await lifecycle.peek('reset_password', token);
    if (!user) return linkInvalid(ctx, interaction);
    resetPage(ctx, { token, interaction, email: user.email });
  });
  router.post('/password/reset', async (ctx) => {
    const b = body(ctx);
    const interaction = interactionOf(b.interaction);
    const token = String(b.token ?? '');
    let result;
    try {
      result = await lifecycle.resetPassword(ctx, {
        token,
        password: String(b.password ?? ''),
        signOutAll: b.sign_out_all === 'yes',
        lang: ctx.state.lang,
      });
    } catch (err) {
      const user = await lifecycle.peek('reset_password', token);
      if (!user) return linkInvalid(ctx, interaction);
      return resetPage(ctx, { token, interaction, email: user.email, error: weakPasswordKey(err) }, 400);
    }
    if (!result.ok && result.reason === 'sso_only')
      return renderPage(ctx, 'error', { title: t(ctx)('reset.sso_title'), message: t(ctx)('reset.sso_only') }, 403);
    if (!result.ok) return linkInvalid(ctx, interaction);
    renderPage(ctx, 'notice', {
      title: t(ctx)('reset.done_title'),
      message: t(ctx)(b.sign_out_all === 'yes' ? 'reset.done_signed_out' : 'reset.done'),
      href: continueHref(interaction),
      button: t(ctx)('common.continue'),
    });
  });

  const invitationPage = (ctx: Context, data: { token: string; email: string; error?: string }, status = 200) =>
    renderPage(
      ctx,
      'invitation',
      {
        title: t(ctx)('invitation.title'),
        minLength: deps.minPasswordLength,
        pageUrl: withQuery('/invitation', { token: data.token }),
        ...data,
        error: data.error && t(ctx)(data.error, { min: deps.minPasswordLength }),
      },
      status,
    );
  router.get('/invitation', linkQuery, async (ctx) => {
    const { token = '' } = linkQuery.input(ctx).query;
    const user = await lifecycle.peek('invitation', token);
    if (!user || user.status !== 'invited') return linkInvalid(ctx);
    invitationPage(ctx, { token, email: user.email });
  });
  router.post('/invitation', async (ctx) => {
    const b = body(ctx);
    const token = String(b.token ?? '');
    let user;
    try {
      user = await lifecycle.activateInvitation(ctx, { token, password: String(b.password ?? '') });
    } catch (err) {
      const pending = await lifecycle.peek('invitation', token);
      if (!pending) return linkInvalid(ctx);
      return invitationPage(ctx, { token, email: pending.email, error: weakPasswordKey(err) }, 400);
    }
    if (!user) return linkInvalid(ctx);
    renderPage(ctx, 'notice', {
      title: t(ctx)('invitation.done_title'),
      message: t(ctx)('invitation.done'),
      href: '/account',
      button: t(ctx)('invitation.sign_in'),
    });
  });

  return router;
}
