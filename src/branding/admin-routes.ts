/**
 * The admin center's branding page (the organization's look on sign-in pages, My account and mails):
 *   GET  /admin/branding            the settings, a preview of the colors, the logo
 *   POST /admin/branding            save the settings (contrast checked; the reason shown beside the field)
 *   POST /admin/branding/image      upload (multipart) or remove the logo or favicon
 * The same rules as the rest of the admin center (an administrator of an active organization, a second
 * factor in the last 15 minutes, ?org=<slug> to pick one). The upload is multipart, which the shared
 * page router does not parse, so it lives on its own router and checks the CSRF value itself.
 */
import Router from '@koa/router';
import busboy from 'busboy';
import type { Context } from 'koa';
import type { CurrentPerson } from '../accounts/current-person.js';
import { ACR } from '../login/gate.js';
import { bodyOf, form, queryOf, text } from '../http/input.js';
import { lenient } from '../http/route-fields.js';
import { z } from 'zod';
import { csrfMatches } from '../http/csrf.js';
import { renderPage } from '../http/views.js';
import { AppError } from '../lib/errors.js';
import type { AdminStore } from '../admin/store.js';
import { SECTIONS } from '../admin/center/page.js';
import { SETTING_KEYS, LOGO_MAX_BYTES } from './brand.js';
import type { AdminBranding } from './admin.js';

const STEP_UP_SECONDS = 15 * 60;
/** Every branding page's query: the organization and the notice of what was just done (malformed: none). */
const pageQuery = z.object({ org: lenient(100), done: lenient(100) });
const FIELD: Record<string, string> = { primary_color: 'primary_color', background_color: 'primary_color' };

interface Deps {
  person: CurrentPerson;
  store: AdminStore;
  branding: AdminBranding;
}

/** The administrator and organization of this request, or undefined after a redirect (sign-in, step-up). */
async function enter(d: Deps, ctx: Context) {
  const who = await d.person.signedIn(ctx);
  if (!who) return undefined;
  const orgs = await d.store.adminOrgsOf(who.user.id);
  if (!orgs.length) throw new AppError('not_an_administrator', 403, ctx.state.t('admin.not_admin'));
  const session = who.session as { acr?: string; loginTs?: number };
  if (!(session.acr === ACR.mfa && Date.now() / 1000 - (session.loginTs ?? 0) < STEP_UP_SECONDS)) {
    if (ctx.method !== 'GET') throw new AppError('step_up_required', 403, ctx.state.t('admin.step_up_needed'));
    d.person.stepUp(ctx, { returnTo: ctx.originalUrl });
    return undefined;
  }
  const wanted = queryOf(ctx, pageQuery).org;
  const org = (wanted && orgs.find((o) => o.slug === wanted)) || orgs[0];
  ctx.state.adminActor = `user:${who.user.id}`;
  ctx.state.brandOrgId = org.id;
  return { orgs, org };
}

type Entered = NonNullable<Awaited<ReturnType<typeof enter>>>;

async function page(d: Deps, ctx: Context, a: Entered, extra: Record<string, unknown> = {}, status = 200) {
  const t = ctx.state.t;
  const current = await d.branding.get(a.org.id);
  const done = (queryOf(ctx, pageQuery).done ?? '').replace(/[^a-z_]/g, '');
  renderPage(
    ctx,
    'admin-branding',
    {
      title: `${t('admin.branding')} · ${a.org.name}`,
      wide: true,
      section: 'branding',
      sections: SECTIONS,
      org: a.org,
      orgs: a.orgs,
      q: `?org=${a.org.slug}`,
      current,
      values: current,
      maxKb: Math.round(LOGO_MAX_BYTES / 1024),
      notice: done ? t(`admin.done_branding_${done}`) : undefined,
      ...extra,
    },
    status,
  );
}

export function brandingAdminRoutes(d: Deps) {
  const router = new Router({ prefix: '/admin/branding' });
  router.get('/', async (ctx) => {
    const a = await enter(d, ctx);
    if (a) await page(d, ctx, a);
  });
  router.post('/', async (ctx) => {
    const a = (await enter(d, ctx))!;
    const b = bodyOf(ctx, form(Object.fromEntries(SETTING_KEYS.map((k) => [k, text]))));
    const input = Object.fromEntries(Object.entries(b).flatMap(([k, v]) => (String(v).trim() ? [[k, String(v).trim()]] : [])));
    try {
      await d.branding.set(ctx, a.org.id, input);
    } catch (err) {
      const t = ctx.state.t;
      const refused = err instanceof AppError && err.code === 'branding_refused';
      const fields = refused
        ? ['primary_color']
        : ((err as { issues?: Array<{ path: PropertyKey[] }> }).issues ?? []).map((i) => String(i.path[0]));
      if (!refused && !fields.length) throw err;
      const errors = fields.map((f) => ({
        field: FIELD[f] ?? f,
        message: refused ? (err as Error).message : t(`admin.branding_invalid_${f}`),
      }));
      return page(d, ctx, a, { errors, values: { ...input } }, 400);
    }
    ctx.status = 303;
    ctx.redirect(`/admin/branding?org=${encodeURIComponent(a.org.slug)}&done=saved`);
  });
  return router;
}

/** Reads one multipart form: its text fields and the first file (at most `max` bytes; more is a 413). */
function multipart(ctx: Context, max: number): Promise<{ fields: Record<string, string>; file?: Buffer }> {
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: ctx.req.headers, limits: { files: 1, fields: 10, fileSize: max, fieldSize: 1000 } });
    } catch {
      return reject(new AppError('invalid_input', 400, 'the upload is not a multipart form'));
    }
    const fields: Record<string, string> = {};
    let file: Buffer | undefined;
    bb.on('field', (name, value) => (fields[name] = value));
    bb.on('file', (_name, stream) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('limit', () =>
        reject(new AppError('branding_too_large', 413, ctx.state.t('branding.image_size', { kb: Math.round(max / 1024) }))),
      );
      stream.on('end', () => (file = chunks.length ? Buffer.concat(chunks) : undefined));
    });
    bb.on('error', () => reject(new AppError('invalid_input', 400, 'the upload could not be read')));
    bb.on('close', () => resolve({ fields, file }));
    ctx.req.pipe(bb);
  });
}

/** The upload of a logo or favicon (multipart; its own router, see the top of this file). */
export function brandingUploadRoutes(d: Deps) {
  const router = new Router({ prefix: '/admin/branding' });
  router.post('/image', async (ctx) => {
    const a = (await enter(d, ctx))!;
    const { fields, file } = await multipart(ctx, LOGO_MAX_BYTES);
    if (!csrfMatches(ctx, fields.csrf)) throw new AppError('csrf_failed', 403, 'this form has expired or was sent from another site');
    const kind = fields.kind === 'favicon' ? 'favicon' : 'logo';
    const remove = fields.remove === '1';
    if (!remove && !file) return page(d, ctx, a, { imageError: ctx.state.t('branding.image_missing') }, 400);
    try {
      await d.branding.setImage(ctx, a.org.id, kind, remove ? null : file!);
    } catch (err) {
      if (!(err instanceof AppError) || err.status !== 400) throw err;
      return page(d, ctx, a, { imageError: err.message }, 400);
    }
    ctx.status = 303;
    ctx.redirect(`/admin/branding?org=${encodeURIComponent(a.org.slug)}&done=${remove ? 'removed' : 'uploaded'}`);
  });
  return router;
}
