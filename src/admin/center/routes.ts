/**
 * The admin center: server-rendered pages over the same use-cases as the admin API.
 *   GET  /admin                             overview (people, sign-ins and failures in 7 days, second factors)
 *   GET  /admin/people                      people (search, pages), POST …/:id/disable | …/:id/enable
 *   GET  /admin/scim                        SCIM tokens; POST /admin/scim/tokens, POST /admin/scim/tokens/:id/revoke
 *   GET  /admin/audit                       the organization's audit log (by type, pages)
 *   GET  /admin/apps                        apps and who may use them (center/apps-routes.ts)
 * Rules: only an administrator of an active organization gets in (others: 403 page); every page
 * needs a second factor passed in the last 15 minutes (otherwise a GET goes through a step-up sign-in
 * and comes back; a POST is refused with 403); forms carry the CSRF value of the shared page router;
 * an administrator of several organizations picks one with ?org=<slug>.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import type { CurrentPerson, SignedIn } from '../../accounts/current-person.js';
import { ACR } from '../../login/gate.js';
import { bodyOf, form, queryOf, text } from '../../http/input.js';
import { renderPage } from '../../http/views.js';
import { AppError } from '../../lib/errors.js';
import { z } from 'zod';
import type { Actor } from '../actor.js';
import type { AdminUseCases } from '../api/routes.js';
import type { AdminStore } from '../store.js';
import { appCenterRoutes } from './apps-routes.js';

const STEP_UP_SECONDS = 15 * 60;
export const SECTIONS = ['overview', 'people', 'scim', 'apps', 'audit'] as const;

interface Admin {
  who: SignedIn;
  actor: Actor;
  org: { id: string; slug: string; name: string };
  orgs: Array<{ id: string; slug: string; name: string }>;
}

export function adminCenterRoutes(d: { person: CurrentPerson; store: AdminStore; useCases: AdminUseCases; issuer: string }) {
  const router = new Router({ prefix: '/admin' });

  async function enter(ctx: Context): Promise<Admin | undefined> {
    const who = await d.person.signedIn(ctx);
    if (!who) return undefined;
    const orgs = await d.store.adminOrgsOf(who.user.id);
    if (!orgs.length) throw new AppError('not_an_administrator', 403, ctx.state.t('admin.not_admin'));
    const session = who.session as { acr?: string; loginTs?: number };
    const fresh = session.acr === ACR.mfa && Date.now() / 1000 - (session.loginTs ?? 0) < STEP_UP_SECONDS;
    if (!fresh) {
      d.person.stepUp(ctx, { returnTo: ctx.originalUrl });
      return undefined;
    }
    const wanted = typeof ctx.query.org === 'string' ? ctx.query.org : undefined;
    const org = (wanted && orgs.find((o) => o.slug === wanted)) || orgs[0];
    ctx.state.adminActor = `user:${who.user.id}`;
    ctx.state.brandOrgId = org.id;
    return { who, orgs, org, actor: { who: `user:${who.user.id}`, orgId: org.id, operator: false, canWrite: true } };
  }

  function page(ctx: Context, a: Admin, section: (typeof SECTIONS)[number], data: Record<string, unknown>, status = 200) {
    const t = ctx.state.t;
    renderPage(
      ctx,
      `admin-${section}`,
      {
        title: `${t(`admin.${section}`)} · ${a.org.name}`,
        wide: true,
        section,
        sections: SECTIONS,
        org: a.org,
        orgs: a.orgs,
        q: `?org=${a.org.slug}`,
        scimUrl: `${d.issuer}/scim/v2`,
        ...data,
      },
      status,
    );
  }
  const back = (ctx: Context, a: Admin, path: string, done: string) => {
    ctx.status = 303;
    ctx.redirect(`/admin${path}?org=${encodeURIComponent(a.org.slug)}&done=${done}`);
  };
  const notice = (ctx: Context) =>
    typeof ctx.query.done === 'string' ? ctx.state.t(`admin.done_${ctx.query.done.replace(/[^a-z_]/g, '')}`) : undefined;

  const scimData = async (a: Admin, extra: Record<string, unknown>) => ({
    tokens: await d.useCases.organization.scimTokens(a.org.id),
    notify: await d.useCases.organization.notifyAddress(a.org.id),
    ...extra,
  });

  router.get('/', async (ctx) => {
    const a = await enter(ctx);
    if (a) page(ctx, a, 'overview', { stats: await d.store.overview(a.org.id) });
  });

  router.get('/people', async (ctx) => {
    const a = await enter(ctx);
    if (!a) return;
    const q = queryOf(ctx, z.object({ q: z.string().max(100).optional(), cursor: z.string().max(400).optional() }));
    const list = await d.useCases.users.list(a.org.id, { q: q.q || undefined, cursor: q.cursor, limit: 50 });
    page(ctx, a, 'people', { ...list, search: q.q ?? '', notice: notice(ctx), me: a.who.user.id });
  });

  for (const action of ['disable', 'enable'] as const)
    router.post(`/people/:id/${action}`, async (ctx) => {
      const a = (await enter(ctx))!;
      await d.useCases.users[action](ctx, a.actor, a.org.id, ctx.params.id);
      back(ctx, a, '/people', action === 'disable' ? 'disabled' : 'enabled');
    });

  router.get('/scim', async (ctx) => {
    const a = await enter(ctx);
    if (a) page(ctx, a, 'scim', await scimData(a, { notice: notice(ctx) }));
  });

  router.post('/scim/notify', async (ctx) => {
    const a = (await enter(ctx))!;
    const b = bodyOf(ctx, form({ email: text }));
    const email = b.email.trim();
    try {
      await d.useCases.organization.setNotifyAddress(ctx, a.org.id, { email: email || null, language: ctx.state.lang });
    } catch (err) {
      if (!(err instanceof AppError) || err.status !== 400) throw err;
      return page(ctx, a, 'scim', await scimData(a, { notifyError: ctx.state.t('support.bad_email'), notifyValue: email }), 400);
    }
    back(ctx, a, '/scim', 'notify');
  });

  router.post('/scim/tokens', async (ctx) => {
    const a = (await enter(ctx))!;
    const b = bodyOf(ctx, form({ label: text }));
    const created = await d.useCases.organization.createScimToken(ctx, a.org.id, { label: b.label.trim().slice(0, 200) || undefined });
    // The token is shown on this answer only (it is stored hashed).
    page(ctx, a, 'scim', await scimData(a, { created }));
  });

  router.post('/scim/tokens/:id/revoke', async (ctx) => {
    const a = (await enter(ctx))!;
    await d.useCases.organization.revokeScimToken(ctx, a.org.id, ctx.params.id);
    back(ctx, a, '/scim', 'revoked');
  });

  appCenterRoutes(router, {
    apps: d.useCases.apps,
    enter,
    page: (ctx, a, data, status) => page(ctx, a as Admin, 'apps', data, status),
    back: (ctx, a, p, done) => back(ctx, a as Admin, p, done),
    notice,
  });

  router.get('/audit', async (ctx) => {
    const a = await enter(ctx);
    if (!a) return;
    const q = queryOf(
      ctx,
      z.object({
        type: z.string().max(100).optional(),
        cursor: z
          .string()
          .regex(/^\d{1,19}$/)
          .optional(),
      }),
    );
    const list = await d.useCases.audit.list(a.org.id, { type: q.type || undefined, cursor: q.cursor, limit: 50 });
    page(ctx, a, 'audit', { ...list, type: q.type ?? '' });
  });

  return router;
}
