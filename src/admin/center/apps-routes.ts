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
 *   POST /admin/apps/oidc            an OpenID Connect app from a short form (name, redirect URIs, kind
 *                                    of app), for this organization only (src/admin/clients.ts); a
 *                                    web app's generated secret is shown on this answer only
 *   /admin/apps/:id...               one app: replace its metadata, remove it (app-manage-routes.ts)
 * Mounted by center/routes.ts, which signs the administrator in and checks the step-up.
 */
import type Router from '@koa/router';
import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import { bodyOf, form, text } from '../../http/input.js';
import { AppError } from '../../lib/errors.js';
import type { AppAdmin } from '../../apps/admin.js';
import type { ClientInput } from '../../clients/registry.js';
import type { AdminClients } from '../clients.js';
import type { AdminSamlSps } from '../saml-sps.js';
import { appManageRoutes, byId, refusalOf } from './app-manage-routes.js';

export interface Center {
  org: { id: string; slug: string };
  actor: { who: string; orgId?: string };
}

export interface AppCenterDeps {
  apps: AppAdmin;
  samlSps: AdminSamlSps;
  clients: AdminClients;
  enter: (ctx: Context) => Promise<Center | undefined>;
  page: (ctx: Context, a: Center, data: Record<string, unknown>, status?: number, view?: string) => void;
  back: (ctx: Context, a: Center, path: string, done: string) => void;
  notice: (ctx: Context) => string | undefined;
}

/** The kinds of app the form offers: a web app with a server has a secret; the others are public (PKCE). */
const APP_TYPES = {
  web: { token_endpoint_auth_method: 'client_secret_basic', application_type: 'web' },
  spa: { token_endpoint_auth_method: 'none', application_type: 'web' },
  native: { token_endpoint_auth_method: 'none', application_type: 'native' },
} as const;

/** A client_id from the app's name, with a random tail (two apps may share a name). */
const clientIdFor = (name: string) =>
  `${
    name
      .normalize('NFKD')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'app'
  }-${randomBytes(4).toString('hex')}`;

export function appCenterRoutes(router: Router, d: AppCenterDeps) {
  const actorOf = (a: Center) => ({ who: a.actor.who, orgId: a.org.id, operator: false });
  const listing = async (a: Center) => {
    const [apps, mine] = await Promise.all([d.apps.list(actorOf(a)), d.clients.changeable(actorOf(a))]);
    return apps.map((app) => ({
      ...app,
      mine: mine.has(app.id),
      wholeOrg: !!app.access?.organizations.includes(a.org.slug),
      groups: (app.access?.groups ?? []).map((g) => g.slice(a.org.slug.length + 1)),
      editable: !!app.access && (app.access.organizations.length > 0 || app.access.groups.length > 0),
    }));
  };

  router.get('/apps', async (ctx) => {
    const a = await d.enter(ctx);
    if (a) d.page(ctx, a, { apps: await listing(a), notice: d.notice(ctx) });
  });

  router.post('/apps/:id/access', byId, async (ctx) => {
    const a = (await d.enter(ctx))!;
    const b = bodyOf(ctx, form({ groups: text, whole_org: text }));
    const groups = b.groups
      .split(',')
      .map((g) => g.trim())
      .filter(Boolean)
      .slice(0, 100);
    try {
      await d.apps.setAccess(ctx, actorOf(a), byId.input(ctx).params.id, {
        everyone: false,
        organizations: b.whole_org === 'yes' ? [a.org.slug] : [],
        groups: groups.map((g) => `${a.org.slug}/${g.slice(0, 100)}`),
      });
    } catch (err) {
      if (!(err instanceof AppError) || err.status !== 400) throw err;
      const error = { id: byId.input(ctx).params.id, message: ctx.state.t('admin.apps_unknown_group'), value: b.groups };
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

  router.post('/apps/oidc', async (ctx) => {
    const a = (await d.enter(ctx))!;
    const b = bodyOf(ctx, form({ name: text, redirect_uris: text, app_type: text }));
    const value = { name: b.name.trim().slice(0, 200), redirect_uris: b.redirect_uris.slice(0, 20_000), app_type: b.app_type };
    const redirects = value.redirect_uris
      .split(/\s+/)
      .map((u) => u.trim())
      .filter(Boolean);
    const refused = async (message: string, detail?: string) =>
      d.page(ctx, a, { apps: await listing(a), oidcError: { message, detail }, oidcValue: value }, 400);
    const type = Object.hasOwn(APP_TYPES, b.app_type) ? APP_TYPES[b.app_type as keyof typeof APP_TYPES] : undefined;
    if (!value.name || !redirects.length || !type) return refused(ctx.state.t('admin.apps_oidc_empty'));
    const input: ClientInput = {
      client_id: clientIdFor(value.name),
      client_name: value.name,
      redirect_uris: redirects.slice(0, 20),
      grant_types: ['authorization_code', 'refresh_token'],
      ...type,
    };
    let app: Awaited<ReturnType<typeof d.clients.register>>;
    try {
      app = await d.clients.register(ctx, actorOf(a), input);
    } catch (err) {
      const detail = refusalOf(err);
      if (detail === undefined) throw err;
      return refused(ctx.state.t('admin.apps_oidc_bad'), detail);
    }
    // A generated secret is shown on this answer only (it is stored sealed, never shown again).
    const created = { name: app.name, clientId: app.ref, secret: app.client_secret };
    d.page(ctx, a, { apps: await listing(a), created, notice: ctx.state.t('admin.done_oidc_added') }, 201);
  });

  appManageRoutes(router, d);
}
