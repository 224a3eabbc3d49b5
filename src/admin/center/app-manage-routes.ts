/**
 * The admin center's page of one app, for the apps this organization's administrator owns (for
 * their organization alone, src/admin/app-owner.ts); any other app they see is shown with a note that
 * an operator changes it, one they do not see is not found:
 *   GET  /admin/apps/:id                 its registration; the replacement form (SAML: pasted metadata
 *                                        XML; OIDC: the client metadata as JSON, started from the current)
 *   POST /admin/apps/:id/saml-metadata   new SP metadata (same entity ID; settings kept)
 *   POST /admin/apps/:id/oidc-metadata   new client metadata (same client_id; the secret kept unless
 *                                        given, a generated one shown on this answer only)
 *   GET  /admin/apps/:id/remove          asks to confirm
 *   POST /admin/apps/:id/remove          removes it (its client or SP), then back to the apps page
 * src/admin/saml-sps.ts and src/admin/clients.ts check, change and audit; refusals are shown on the page.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { ZodError } from 'zod';
import type { AppView } from '../../apps/admin.js';
import type { ClientInput } from '../../clients/registry.js';
import { guard } from '../../http/guard.js';
import { bodyOf, form, text } from '../../http/input.js';
import { pathParams } from '../../http/route-fields.js';
import { AppError } from '../../lib/errors.js';
import type { AppCenterDeps, Center } from './apps-routes.js';

/** A refusal the administrator can act on: its message (or a ZodError's first issue, with its place). */
export function refusalOf(err: unknown): string | undefined {
  if (err instanceof ZodError) {
    const issue = err.issues[0];
    return `${issue.path.join('.') || '(root)'}: ${issue.message}`;
  }
  if (err instanceof AppError && err.status < 500) return err.message;
  return undefined;
}

/** The app a page is about (`:id`). */
export const byId = guard({ params: pathParams('id') });

export function appManageRoutes(router: Router, d: AppCenterDeps) {
  const actorOf = (a: Center) => ({ who: a.actor.who, orgId: a.org.id, operator: false });

  async function show(ctx: Context, a: Center, app: AppView, extra: Record<string, unknown> = {}, status = 200) {
    const mine = await d.clients.mayChange(actorOf(a), app.id);
    const metadata = app.kind === 'oidc' && mine ? await d.clients.metadataOf(actorOf(a), app.id) : undefined;
    d.page(
      ctx,
      a,
      { app, mine, metadata, metadataJson: metadata && JSON.stringify(metadata, null, 2), notice: d.notice(ctx), ...extra },
      status,
      'admin-app',
    );
  }

  router.get('/apps/:id', byId, async (ctx) => {
    const a = await d.enter(ctx);
    if (a) await show(ctx, a, await d.apps.get(actorOf(a), byId.input(ctx).params.id));
  });

  router.post('/apps/:id/saml-metadata', byId, async (ctx) => {
    const a = (await d.enter(ctx))!;
    const app = await d.apps.get(actorOf(a), byId.input(ctx).params.id);
    const metadata = bodyOf(ctx, form({ metadata: text })).metadata.trim();
    try {
      if (!metadata) throw new AppError('empty', 400, ctx.state.t('admin.apps_saml_empty'));
      await d.samlSps.replace(ctx, actorOf(a), app.id, { metadata });
    } catch (err) {
      const detail = refusalOf(err);
      if (detail === undefined) throw err;
      return show(ctx, a, app, { replaceError: { message: ctx.state.t('admin.apps_saml_bad'), detail }, replaceValue: metadata }, 400);
    }
    d.back(ctx, a, `/apps/${encodeURIComponent(app.id)}`, 'metadata_replaced');
  });

  router.post('/apps/:id/oidc-metadata', byId, async (ctx) => {
    const a = (await d.enter(ctx))!;
    const app = await d.apps.get(actorOf(a), byId.input(ctx).params.id);
    const raw = bodyOf(ctx, form({ metadata: text })).metadata;
    let saved: Awaited<ReturnType<typeof d.clients.replace>>;
    try {
      let input: ClientInput;
      try {
        input = JSON.parse(raw) as ClientInput;
      } catch {
        throw new AppError('not_json', 400, ctx.state.t('admin.apps_oidc_not_json'));
      }
      saved = await d.clients.replace(ctx, actorOf(a), app.id, input);
    } catch (err) {
      const detail = refusalOf(err);
      if (detail === undefined) throw err;
      return show(ctx, a, app, { replaceError: { message: ctx.state.t('admin.apps_oidc_bad'), detail }, replaceValue: raw }, 400);
    }
    if (!saved.client_secret) return d.back(ctx, a, `/apps/${encodeURIComponent(app.id)}`, 'metadata_replaced');
    // A generated secret is shown on this answer only.
    await show(ctx, a, saved, {
      created: { clientId: saved.ref, secret: saved.client_secret },
      notice: ctx.state.t('admin.done_metadata_replaced'),
    });
  });

  router.get('/apps/:id/remove', byId, async (ctx) => {
    const a = await d.enter(ctx);
    if (!a) return;
    const app = await d.apps.get(actorOf(a), byId.input(ctx).params.id);
    if (!(await d.clients.mayChange(actorOf(a), app.id))) return show(ctx, a, app, {}, 403);
    d.page(ctx, a, { app }, 200, 'admin-app-remove');
  });

  router.post('/apps/:id/remove', byId, async (ctx) => {
    const a = (await d.enter(ctx))!;
    const app = await d.apps.get(actorOf(a), byId.input(ctx).params.id);
    try {
      if (app.kind === 'oidc') await d.clients.removeApp(ctx, actorOf(a), app.id);
      else await d.samlSps.remove(ctx, actorOf(a), app.id);
    } catch (err) {
      if (!(err instanceof AppError) || err.status !== 403) throw err;
      return show(ctx, a, app, {}, 403);
    }
    d.back(ctx, a, '/apps', 'app_removed');
  });
}
