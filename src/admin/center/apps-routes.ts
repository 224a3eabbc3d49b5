/**
 * The admin center's apps page:
 *   GET  /admin/apps                 the apps this organization's people may use (for everyone, or
 *                                    listing the organization), each with who may use it (this
 *                                    organization's entries only)
 *   POST /admin/apps/:id/access      on an app that lists the organization: the whole organization or
 *                                    some of its groups (comma-separated names); other organizations'
 *                                    entries are kept (src/apps/admin.ts decides, and audits)
 *   POST /admin/apps/saml            a SAML service provider from its pasted metadata XML, for this
 *                                    organization only (src/admin/saml-sps.ts checks, registers and
 *                                    audits; bad metadata is shown on the page, 400)
 * Mounted by center/routes.ts, which signs the administrator in and checks the step-up.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { bodyOf, form, text } from '../../http/input.js';
import { AppError } from '../../lib/errors.js';
import type { AppAdmin } from '../../apps/admin.js';
import type { AdminSamlSps } from '../saml-sps.js';

interface Center {
  org: { id: string; slug: string };
  actor: { who: string; orgId?: string };
}

export function appCenterRoutes(
  router: Router,
  d: {
    apps: AppAdmin;
    samlSps: AdminSamlSps;
    enter: (ctx: Context) => Promise<Center | undefined>;
    page: (ctx: Context, a: Center, data: Record<string, unknown>, status?: number) => void;
    back: (ctx: Context, a: Center, path: string, done: string) => void;
    notice: (ctx: Context) => string | undefined;
  },
) {
  const actorOf = (a: Center) => ({ who: a.actor.who, orgId: a.org.id, operator: false });
  const listing = async (a: Center) =>
    (await d.apps.list(actorOf(a))).map((app) => ({
      ...app,
      wholeOrg: !!app.access?.organizations.includes(a.org.slug),
      groups: (app.access?.groups ?? []).map((g) => g.slice(a.org.slug.length + 1)),
      editable: !!app.access && (app.access.organizations.length > 0 || app.access.groups.length > 0),
    }));

  router.get('/apps', async (ctx) => {
    const a = await d.enter(ctx);
    if (a) d.page(ctx, a, { apps: await listing(a), notice: d.notice(ctx) });
  });

  router.post('/apps/:id/access', async (ctx) => {
    const a = (await d.enter(ctx))!;
    const b = bodyOf(ctx, form({ groups: text, whole_org: text }));
    const groups = b.groups
      .split(',')
      .map((g) => g.trim())
      .filter(Boolean)
      .slice(0, 100);
    try {
      await d.apps.setAccess(ctx, actorOf(a), ctx.params.id, {
        everyone: false,
        organizations: b.whole_org === 'yes' ? [a.org.slug] : [],
        groups: groups.map((g) => `${a.org.slug}/${g.slice(0, 100)}`),
      });
    } catch (err) {
      if (!(err instanceof AppError) || err.status !== 400) throw err;
      const error = { id: ctx.params.id, message: ctx.state.t('admin.apps_unknown_group'), value: b.groups };
      return d.page(ctx, a, { apps: await listing(a), error }, 400);
    }
    d.back(ctx, a, '/apps', 'app_access');
  });
  router.post('/apps/saml', async (ctx) => {
    const a = (await d.enter(ctx))!;
    const metadata = bodyOf(ctx, form({ metadata: text })).metadata.trim();
    const refused = async (message: string, detail?: string) =>
      d.page(ctx, a, { apps: await listing(a), samlError: { message, detail }, samlValue: metadata }, 400);
    if (!metadata) return refused(ctx.state.t('admin.apps_saml_empty'));
    try {
      await d.samlSps.register(ctx, actorOf(a), { metadata });
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500) throw err;
      if (err.code === 'already_registered') return refused(ctx.state.t('admin.apps_saml_exists'));
      return refused(ctx.state.t('admin.apps_saml_bad'), err.message);
    }
    d.back(ctx, a, '/apps', 'saml_added');
  });
}
