/**
 * Ad hoc support over HTTP:
 *   GET  /account/support                   the technician's page: start a session, open sessions
 *   POST /account/support/sessions          start one (shows the security code once)
 *   POST /account/support/sessions/:id/end  "End session now"
 *   GET  /support/download                  where the customer's mail leads: the temporary support app
 *   POST /api/support/activate              the app activates with the code and its key (JSON)
 *   GET  /api/support/sessions/:id          the app's signed status call (410 once it has ended)
 * Pages are forms with CSRF checks under the shared page router; the API is JSON without cookies.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { CurrentPerson, SignedIn } from '../accounts/current-person.js';
import { emailSchema } from '../accounts/users.js';
import { parseBody } from '../http/body.js';
import { form, text } from '../http/input.js';
import { guard } from '../http/guard.js';
import { pathParams, queryText } from '../http/route-fields.js';
import { renderPage } from '../http/views.js';
import { AppError } from '../lib/errors.js';
import type { SupportActivation } from './activation.js';
import type { SupportSessions } from './sessions.js';

const MIN_PASSWORD = 8;

export function supportPageRoutes(d: { person: CurrentPerson; sessions: SupportSessions; issuer: string }) {
  const router = new Router();

  async function page(ctx: Context, who: SignedIn, extra: Record<string, unknown> = {}, status = 200) {
    const t = ctx.state.t;
    const roles = await d.sessions.roles(who.user.id);
    if (!roles.length) throw new AppError('support_role_required', 403, t('support.no_role'));
    renderPage(
      ctx,
      'support',
      {
        title: t('support.title'),
        technicianOf: roles.filter((r) => r.role === 'support'),
        sessions: await d.sessions.visible(who.user),
        me: who.user.id,
        minPassword: MIN_PASSWORD,
        ...extra,
      },
      status,
    );
  }

  const home = guard({ query: z.object({ done: queryText(100) }) });
  router.get('/account/support', home, async (ctx) => {
    const who = await d.person.signedIn(ctx);
    const { done } = home.input(ctx).query;
    if (who) await page(ctx, who, { notice: done === 'ended' ? ctx.state.t('support.done_ended') : undefined });
  });

  const startForm = guard({ body: form({ org: text, email: text, password: text }) });
  router.post('/account/support/sessions', startForm, async (ctx) => {
    const who = (await d.person.signedIn(ctx))!;
    const b = startForm.input(ctx).body;
    const errors: Record<string, string> = {};
    const email = emailSchema.safeParse(b.email.trim());
    if (!b.email.trim()) errors.email = ctx.state.t('support.enter_email');
    else if (!email.success) errors.email = ctx.state.t('support.bad_email');
    if (!b.password) errors.password = ctx.state.t('support.enter_password');
    else if (b.password.length < MIN_PASSWORD || b.password.length > 200)
      errors.password = ctx.state.t('support.short_password', { min: MIN_PASSWORD });
    const roles = (await d.sessions.roles(who.user.id)).filter((r) => r.role === 'support');
    const orgId = b.org || roles[0]?.id || '';
    if (Object.keys(errors).length || !email.success) return page(ctx, who, { errors, values: { email: b.email, org: orgId } }, 400);
    try {
      const started = await d.sessions.start(ctx, who.user, { orgId, customerEmail: email.data, password: b.password });
      await page(ctx, who, { started: { ...started, customer: email.data } });
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== 'support_limit_reached') throw err;
      await page(ctx, who, { limitError: err.message, values: { email: b.email, org: orgId } }, 409);
    }
  });

  const session = guard({ params: pathParams('id') });
  router.post('/account/support/sessions/:id/end', session, async (ctx) => {
    const who = (await d.person.signedIn(ctx))!;
    await d.sessions.end(ctx, who.user, session.input(ctx).params.id);
    ctx.status = 303;
    ctx.redirect('/account/support?done=ended');
  });

  router.get('/support/download', (ctx) => {
    renderPage(ctx, 'support-download', { title: ctx.state.t('support.download_title'), issuer: d.issuer });
  });

  return router;
}

const activationSchema = z.strictObject({
  code: z.string().max(40),
  key: z.record(z.string(), z.unknown()),
  timestamp: z.union([z.number(), z.string().max(20)]),
  signature: z.string().max(200),
});

export function supportApiRoutes(d: { activation: SupportActivation; maxBodyBytes: number }) {
  const router = new Router({ prefix: '/api/support' });
  router.use(parseBody(d.maxBodyBytes));
  router.use(async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    await next();
  });

  const activate = guard({ body: activationSchema });
  router.post('/activate', activate, async (ctx) => {
    ctx.body = await d.activation.activate(ctx, activate.input(ctx).body);
  });

  const status = guard({ params: pathParams('id') });
  router.get('/sessions/:id', status, async (ctx) => {
    ctx.body = await d.activation.status(ctx, status.input(ctx).params.id, {
      timestamp: ctx.get('x-wayfinder-timestamp') || undefined,
      signature: ctx.get('x-wayfinder-signature') || undefined,
    });
  });

  return router;
}
