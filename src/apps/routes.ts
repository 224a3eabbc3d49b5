/**
 * The launcher's HTTP side:
 *   GET /apps/:id/launch  opens an OIDC app by third-party initiated login (OpenID Connect Core §4):
 *                         a redirect to its initiate_login_uri with `iss` (and `target_link_uri` when
 *                         the app registered one); a signed-out person signs in first and comes
 *                         back here; a person who may not use the app gets a 403 page
 *   GET /apps/:id/icon    an uploaded icon (its own content type, nosniff, etag, kept a year: the
 *                         URL carries the etag)
 * and My account's "Your apps" section (launcher.forPerson).
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import type { CurrentPerson } from '../accounts/current-person.js';
import { AppError, notFound } from '../lib/errors.js';
import { launcherUrlProblem } from './fields.js';
import type { Launcher } from './launcher.js';
import type { AppStore } from './store.js';
import { guard } from '../http/guard.js';
import { z } from 'zod';

/** An app's id (one not of the id pattern is no app: the "not found" page). */
const appPath = guard({ params: z.object({ id: z.string() }) });

export function launchTarget(initiateLoginUri: string, issuer: string, targetLinkUri: string | null): string | undefined {
  if (launcherUrlProblem(initiateLoginUri)) return undefined;
  const url = new URL(initiateLoginUri);
  url.searchParams.set('iss', issuer);
  if (targetLinkUri && !launcherUrlProblem(targetLinkUri)) url.searchParams.set('target_link_uri', targetLinkUri);
  return url.toString();
}

export function appRoutes(d: { person: CurrentPerson; store: AppStore; launcher: Launcher; issuer: string }) {
  const router = new Router({ prefix: '/apps' });
  const validId = (id: string) => /^[A-Za-z0-9][A-Za-z0-9._~-]{0,199}$/.test(id);

  router.get('/:id/launch', appPath, async (ctx) => {
    const { id } = appPath.input(ctx).params;
    const app = validId(id) ? await d.store.find(id) : undefined;
    if (!app) throw notFound('not_found', ctx.state.t('apps.not_found'));
    const who = await d.person.signedIn(ctx, { returnTo: `/apps/${id}/launch` });
    if (!who) return;
    if (!(await d.launcher.mayUse(who.user.id, app.kind, app.ref)))
      throw new AppError('app_not_allowed', 403, ctx.state.t('login.app_not_allowed'));
    if (app.kind === 'saml' && app.idp_initiated) return ctx.redirect(`/saml/launch/${encodeURIComponent(app.ref)}`);
    const target = app.launch_url && (app.kind === 'oidc' ? launchTarget(app.launch_url, d.issuer, app.target_link_uri) : app.launch_url);
    if (!target || launcherUrlProblem(target)) throw notFound('not_launchable', ctx.state.t('apps.not_launchable'));
    ctx.set('Cache-Control', 'no-store');
    ctx.redirect(target);
  });

  router.get('/:id/icon', appPath, async (ctx) => {
    const { id } = appPath.input(ctx).params;
    const icon = validId(id) ? await d.store.icon(id) : undefined;
    if (!icon?.icon) throw notFound('not_found', ctx.state.t('apps.not_found'));
    const etag = `"${icon.icon_etag}"`;
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Cache-Control', 'public, max-age=31536000, immutable');
    ctx.set('ETag', etag);
    ctx.set('Content-Security-Policy', "default-src 'none'");
    if (ctx.get('if-none-match') === etag) {
      ctx.status = 304;
      return;
    }
    ctx.type = icon.icon_type!;
    ctx.body = Buffer.from(icon.icon);
  });

  return router;
}

/** My account's "Your apps": the apps the person may open, and the ones they may ask for. */
export const appsSection = (launcher: Launcher) => async (ctx: Context, userId: string) =>
  launcher.forPerson(userId, String(ctx.state.lang ?? 'en'));
