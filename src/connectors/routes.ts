/**
 * Company sign-in pages inside an interaction. HTTP only: parse, call federation/discovery, render
 * or redirect.
 * - GET  /interaction/:uid/sso           the routed company: one connection → straight to its IdP;
 *                                         several → a chooser
 * - POST /interaction/:uid/sso/start     the chooser's choice
 * - GET  /interaction/:uid/sso/password  "Sign in with a password instead" (the gate still decides)
 * - GET  /interaction/:uid/sso/done      back from the IdP: link/provision, then the policy gate
 * - GET|POST /interaction/:uid/company   "Use my company ID": an organization by name or slug
 * Failures render a page saying what happened and what to do (and are audited), never a 500.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Audit } from '../audit/index.js';
import { applyUiLocales } from '../http/i18n.js';
import { renderPage } from '../http/views.js';
import type { Journey, Outcome } from '../login/journey.js';
import type { Interactions, InteractionView } from '../oidc/interactions.js';
import type { Discovery } from '../orgs/discovery.js';
import { FederationError } from './errors.js';
import type { Federation } from './federation.js';
import { bodyOf, form, text } from '../http/input.js';
import { guard } from '../http/guard.js';
import { interactionUid, queryText, routeParam } from '../http/route-fields.js';
import { z } from 'zod';
import { decide } from '../routing/decide.js';
import { go } from '../routing/respond.js';

const connectionForm = form({ connection: text });
const organizationForm = form({ organization: text });

export interface SsoRouteDeps {
  interactions: Interactions;
  journey: Journey;
  federation: Federation;
  discovery: Discovery;
  audit: Audit;
}

/**
 * The failure page of an upstream sign-in: what happened, what to do, and (inside an interaction) ways
 * on. Audited as `<category>.failed`; the page and its texts are the category's (`sso-error`, `sso.error.*`
 * for company ID; `social-error`, `social.error.*` for social sign-in).
 */
export async function failurePage(
  ctx: Context,
  audit: Audit,
  err: FederationError,
  where: { uid?: string; connectionId?: string; clientId?: string },
  category: 'sso' | 'social' = 'sso',
) {
  await audit.record(ctx, {
    type: `${category}.failed`,
    outcome: 'failure',
    clientId: where.clientId ?? null,
    data: { reason: err.reason, connectionId: where.connectionId, detail: err.message.slice(0, 300) },
  });
  const t = ctx.state.t;
  renderPage(
    ctx,
    `${category}-error`,
    {
      title: t(`${category}.error_title`),
      message: t(`${category}.error.${err.reason}`),
      hint: t(`${category}.error.${err.reason}_hint`),
      uid: where.uid,
      requestId: ctx.state.requestId,
    },
    err.status,
  );
}

/**
 * An upstream's answer that arrived after its sign-in expired (or in another browser): audited, then
 * recovered like any lost flow (src/routing/recover.ts: the sign-in starts again, or the lost page)
 * instead of an error page. False when `err` is another failure.
 */
export async function recoverLateAnswer(
  ctx: Context,
  audit: Audit,
  err: FederationError,
  where: { uid?: string; connectionId?: string },
  category: 'sso' | 'social' = 'sso',
): Promise<boolean> {
  const recoverFlow = ctx.state.recoverFlow as ((uid?: string, opts?: { upstream: boolean }) => Promise<void>) | undefined;
  if (!err.late || !recoverFlow) return false;
  await audit.record(ctx, {
    type: `${category}.failed`,
    outcome: 'failure',
    data: { reason: err.reason, connectionId: where.connectionId, detail: err.message.slice(0, 300), recovered: true },
  });
  await recoverFlow(where.uid, { upstream: true });
  return true;
}

/** A 303 to `to` (after a POST, the browser follows with a GET). */
export function seeOther(ctx: Context, to: string) {
  ctx.status = 303;
  ctx.redirect(to);
}

/**
 * The steps of an upstream sign-in inside an interaction: `view` reads the interaction (in its app's
 * language); `guarded` runs a step and turns a FederationError into the category's failure page.
 */
export function interactionSteps(
  interactions: Interactions,
  audit: Audit,
  category: 'sso' | 'social',
  connectionOf: (ctx: Context) => string | undefined,
) {
  async function view(ctx: Context): Promise<InteractionView> {
    const v = await interactions.details(ctx);
    applyUiLocales(ctx, v.params.ui_locales);
    return v;
  }
  const guarded = (fn: (ctx: Context, v: InteractionView) => Promise<void>) => async (ctx: Context) => {
    const v = await view(ctx);
    try {
      await fn(ctx, v);
    } catch (err) {
      if (!(err instanceof FederationError)) throw err;
      await failurePage(ctx, audit, err, { uid: v.uid, clientId: v.clientId, connectionId: connectionOf(ctx) }, category);
    }
  };
  return { view, guarded };
}

/** The cookie holding an unsolicited company sign-in until this browser's next interaction takes it. */
export const PENDING_COOKIE = 'wf_sso_pending';

/**
 * Mounted before the sign-in pages: an interaction of a browser holding an unsolicited company
 * sign-in (allowed by its connection) continues with it; every other request passes through.
 */
export function ssoPendingRoutes(d: { secure: boolean }) {
  const router = new Router({ prefix: '/interaction/:uid' });
  router.get('/', async (ctx, next) => {
    const result = ctx.cookies.get(PENDING_COOKIE, { signed: true });
    if (!result) return next();
    ctx.cookies.set(PENDING_COOKIE, null, { signed: true, httpOnly: true, sameSite: 'lax', secure: d.secure, overwrite: true });
    ctx.status = 303;
    ctx.redirect(`/interaction/${encodeURIComponent(interactionUid(ctx))}/sso/done?result=${encodeURIComponent(result)}`);
  });
  return router;
}

export function ssoRoutes(d: SsoRouteDeps) {
  const router = new Router({ prefix: '/interaction/:uid' });

  const { view, guarded } = interactionSteps(
    d.interactions,
    d.audit,
    'sso',
    (ctx) => routeParam(ctx, 'connection') ?? bodyOf(ctx, connectionForm).connection,
  );
  const redirect = seeOther;

  function companyPage(ctx: Context, v: InteractionView, opts: { organization?: string; error?: string } = {}) {
    const t = ctx.state.t;
    renderPage(
      ctx,
      'sso-company',
      {
        title: t('sso.company_title'),
        uid: v.uid,
        appName: v.clientName,
        organization: opts.organization ?? '',
        error: opts.error && t(opts.error),
      },
      opts.error ? 400 : 200,
    );
  }

  router.get(
    '/sso',
    guarded(async (ctx, v) => {
      const s = await d.journey.state(v.uid);
      if (s.realm?.kind !== 'company') return redirect(ctx, `/interaction/${v.uid}`);
      if (s.realm.connections.length === 1) return redirect(ctx, await d.federation.start(ctx, v, s.realm.connections[0].id));
      const t = ctx.state.t;
      renderPage(ctx, 'sso-choose', {
        title: t('sso.choose_title'),
        uid: v.uid,
        appName: v.clientName,
        org: s.realm.org.name,
        email: s.email ?? '',
        connections: s.realm.connections,
      });
    }),
  );

  router.post(
    '/sso/start',
    guarded(async (ctx, v) => {
      redirect(ctx, await d.federation.start(ctx, v, bodyOf(ctx, connectionForm).connection));
    }),
  );

  router.get('/sso/password', async (ctx) => {
    const v = await view(ctx);
    await d.journey.route(v.uid, { kind: 'password' });
    redirect(ctx, `/interaction/${v.uid}`);
  });

  const doneQuery = guard({ query: z.object({ result: queryText(4000) }) });
  router.get(
    '/sso/done',
    doneQuery,
    guarded(async (ctx, v) => {
      ctx.state.callback = true; // the upstream's answer, relayed by its callback: may conclude (see journey.finish)
      const outcome: Outcome = await d.federation.complete(ctx, v, doneQuery.input(ctx).query.result ?? '');
      const next = decide({ at: 'outcome', outcome });
      if (next.kind !== 'refused') return go(ctx, next, v.uid);
      const t = ctx.state.t;
      const reason = outcome.kind === 'denied' ? outcome.reason : 'error.generic';
      renderPage(ctx, 'sso-error', { title: t('sso.error_title'), message: t(reason), hint: '', uid: v.uid }, 403);
    }),
  );

  router.get('/company', async (ctx) => companyPage(ctx, await view(ctx)));

  router.post('/company', async (ctx) => {
    const v = await view(ctx);
    const organization = bodyOf(ctx, organizationForm).organization.trim();
    if (!organization) return companyPage(ctx, v, { organization, error: 'sso.enter_company' });
    const realm = await d.discovery.byOrganization(organization);
    if (!realm || realm.kind !== 'company') return companyPage(ctx, v, { organization, error: 'sso.company_unknown' });
    await d.journey.route(v.uid, realm);
    redirect(ctx, `/interaction/${v.uid}/sso`);
  });

  return router;
}
