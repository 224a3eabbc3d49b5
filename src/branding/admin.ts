/**
 * An organization's branding for its administrators (admin API and admin center): read it, replace
 * its settings, upload or remove its logo and favicon. Refusals (contrast below WCAG AA, an image of
 * another type or too large) are 400s said in the caller's language; each change is an audit event.
 */
import type { Context } from 'koa';
import { z } from 'zod';
import type { Audit } from '../audit/index.js';
import { AppError } from '../lib/errors.js';
import { translator } from '../http/i18n.js';
import { brandSettingsSchema, LOGO_MAX_BYTES } from './brand.js';
import { BrandingRefused, type Branding } from './index.js';
import type { ImageKind } from './store.js';
import type { Operation } from '../admin/api/routes.js';

const image = z.base64().max(Math.ceil(LOGO_MAX_BYTES / 3) * 4 + 4);
export const brandingInput = brandSettingsSchema.extend({
  /** An uploaded logo (PNG, JPEG or WebP, base64); null removes it; absent keeps it. */
  logo_data: image.nullable().optional(),
  favicon_data: image.nullable().optional(),
});
export const brandingView = brandSettingsSchema.extend({ logo: z.string().nullable(), favicon: z.string().nullable() });

function said(ctx: Context, err: unknown): never {
  if (err instanceof BrandingRefused) {
    const t = ctx.state.t ?? translator('en');
    const ratio = err.vars.ratio && new Intl.NumberFormat(ctx.state.lang ?? 'en').format(Number(err.vars.ratio));
    throw new AppError('branding_refused', 400, t(err.key, { ...err.vars, ratio, interpolation: { escapeValue: false } }), true, {
      reason: err.key,
    });
  }
  throw err;
}

export function createAdminBranding(d: { branding: Branding; audit: Audit }) {
  async function get(orgId: string) {
    const s = await d.branding.settingsOf('org', orgId);
    return { ...s.settings, logo: s.logo, favicon: s.favicon };
  }
  const record = (ctx: Context, orgId: string, data: Record<string, unknown>) =>
    d.audit.record(ctx, { type: 'admin.branding_set', outcome: 'success', orgId, data: { orgId, ...data } });
  return {
    get,
    /** Replaces the organization's settings (and, when given, its images). */
    async set(ctx: Context, orgId: string, input: z.output<typeof brandingInput>) {
      const { logo_data: logo, favicon_data: favicon, ...settings } = input;
      const before = await get(orgId);
      try {
        for (const [kind, data] of [
          ['logo', logo],
          ['favicon', favicon],
        ] as Array<[ImageKind, string | null | undefined]>)
          if (data !== undefined) await d.branding.setImage('org', orgId, kind, data === null ? null : Buffer.from(data, 'base64'));
        await d.branding.set('org', orgId, settings);
      } catch (err) {
        said(ctx, err);
      }
      const after = await get(orgId);
      await record(ctx, orgId, { before, after });
      return after;
    },
    async setImage(ctx: Context, orgId: string, kind: ImageKind, bytes: Buffer | null) {
      try {
        await d.branding.setImage('org', orgId, kind, bytes);
      } catch (err) {
        said(ctx, err);
      }
      await record(ctx, orgId, { image: kind, removed: bytes === null });
    },
  };
}
export type AdminBranding = ReturnType<typeof createAdminBranding>;

export function brandingOperations(b: AdminBranding): Operation[] {
  return [
    {
      method: 'get',
      path: '/branding',
      operationId: 'getBranding',
      summary: "The organization's branding (sign-in pages, My account and mails of its people and apps)",
      tag: 'Branding',
      write: false,
      response: brandingView,
      handle: (c) => b.get(c.orgId),
    },
    {
      method: 'put',
      path: '/branding',
      operationId: 'setBranding',
      summary: 'Replace the branding: a primary color below WCAG AA contrast (4.5:1) is refused; images are PNG, JPEG or WebP',
      tag: 'Branding',
      write: true,
      body: brandingInput,
      response: brandingView,
      maxBodyBytes: Math.ceil((2 * LOGO_MAX_BYTES * 4) / 3) + 16_384,
      handle: (c) => b.set(c.ctx, c.orgId, brandingInput.parse(c.body)),
    },
  ];
}
