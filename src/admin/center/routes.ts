/**
 * The admin center: server-rendered pages over the same use-cases as the admin API.
 *   GET  /admin                             overview (people, sign-ins and failures in 7 days, second factors)
 *   GET  /admin/people …                    people, invitations and what an administrator does to one (people-routes.ts)
 *   GET  /admin/groups …                    groups and members (group-routes.ts)
 *   GET  /admin/security …                  session lengths, two-step verification (security-routes.ts)
 *   GET  /admin/sign-in …                   domains, company IdP connections, SSO only, break-glass (sign-in-routes.ts)
 *   GET  /admin/scim                        SCIM tokens; POST /admin/scim/tokens, POST /admin/scim/tokens/:id/revoke
 *   GET  /admin/audit …                     the organization's audit log: filters, pages, CSV / JSON lines export (audit-routes.ts)
 *   GET  /admin/apps                        apps and who may use them, SAML metadata upload (center/apps-routes.ts)
 * Rules: only an administrator of an active organization gets in (others: 403 page); every page
 * needs a second factor passed in the last 15 minutes (otherwise a GET goes through a step-up sign-in
 * and comes back; a POST is refused with 403); forms carry the CSRF value of the shared page router;
 * an administrator of several organizations picks one with ?org=<slug>; every route's input goes
 * through the zod guard (http/guard.ts).
 */
import Router from '@koa/router';
import type { CurrentPerson } from '../../accounts/current-person.js';
import { form, text } from '../../http/input.js';
import { guard } from '../../http/guard.js';
import { pathParams } from '../../http/route-fields.js';
import { AppError } from '../../lib/errors.js';
import type { AdminUseCases } from '../api/routes.js';
import type { AdminStore } from '../store.js';
import { appCenterRoutes } from './apps-routes.js';
import { createAdminPages, type Admin } from './page.js';
import { auditPages } from './audit-routes.js';
import { groupPages } from './group-routes.js';
import { peoplePages } from './people-routes.js';
import { securityPages } from './security-routes.js';
import { signInPages } from './sign-in-routes.js';

export function adminCenterRoutes(d: { person: CurrentPerson; store: AdminStore; useCases: AdminUseCases; issuer: string }) {
  const router = new Router({ prefix: '/admin' });
  const pages = createAdminPages(d);
  const { enter, enterPost, page, back, notice } = pages;

  const scimData = async (a: Admin, extra: Record<string, unknown>) => ({
    tokens: await d.useCases.organization.scimTokens(a.org.id),
    notify: await d.useCases.organization.notifyAddress(a.org.id),
    ...extra,
  });

  router.get('/', async (ctx) => {
    const a = await enter(ctx);
    if (a) page(ctx, a, 'overview', { stats: await d.store.overview(a.org.id) });
  });

  const byId = guard({ params: pathParams('id') });
  peoplePages(router, { pages, useCases: d.useCases });

  router.get('/scim', async (ctx) => {
    const a = await enter(ctx);
    if (a) page(ctx, a, 'scim', await scimData(a, { notice: notice(ctx) }));
  });

  const notifyForm = guard({ body: form({ email: text }) });
  router.post('/scim/notify', notifyForm, async (ctx) => {
    const a = await enterPost(ctx);
    const b = notifyForm.input(ctx).body;
    const email = b.email.trim();
    try {
      await d.useCases.organization.setNotifyAddress(ctx, a.org.id, { email: email || null, language: ctx.state.lang });
    } catch (err) {
      if (!(err instanceof AppError) || err.status !== 400) throw err;
      return page(ctx, a, 'scim', await scimData(a, { notifyError: ctx.state.t('support.bad_email'), notifyValue: email }), 400);
    }
    back(ctx, a, '/scim', 'notify');
  });

  const tokenForm = guard({ body: form({ label: text }) });
  router.post('/scim/tokens', tokenForm, async (ctx) => {
    const a = await enterPost(ctx);
    const b = tokenForm.input(ctx).body;
    const created = await d.useCases.organization.createScimToken(ctx, a.org.id, { label: b.label.trim().slice(0, 200) || undefined });
    // The token is shown on this answer only (it is stored hashed).
    page(ctx, a, 'scim', await scimData(a, { created }));
  });

  router.post('/scim/tokens/:id/revoke', byId, async (ctx) => {
    const a = await enterPost(ctx);
    await d.useCases.organization.revokeScimToken(ctx, a.org.id, byId.input(ctx).params.id);
    back(ctx, a, '/scim', 'revoked');
  });

  appCenterRoutes(router, {
    apps: d.useCases.apps,
    samlSps: d.useCases.samlSps,
    clients: d.useCases.clients,
    enter,
    page: (ctx, a, data, status, view) => page(ctx, a as Admin, 'apps', data, status, view),
    back: (ctx, a, p, done) => back(ctx, a as Admin, p, done),
    notice,
  });

  auditPages(router, { pages, useCases: d.useCases });
  groupPages(router, { pages, useCases: d.useCases });
  securityPages(router, { pages, useCases: d.useCases });
  signInPages(router, { pages, useCases: d.useCases });
  return router;
}
