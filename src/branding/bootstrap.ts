/**
 * Branding in the bootstrap file: top-level `branding` (the deployment), `organizations[].branding`,
 * `clients[].branding` and `saml_service_providers[].branding` (the SP's internal client). Images are
 * `logo_file` / `favicon_file` (relative to the bootstrap file) or `logo_url` / `favicon_url`. The
 * same rules as the admin center (contrast, image types, size); each entry is applied once per change.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { AppError } from '../lib/errors.js';
import type { Services } from '../services.js';
import { brandSettingsSchema } from './brand.js';
import { BrandingRefused } from './index.js';
import type { Scope } from './store.js';

export const brandingBootstrapSchema = brandSettingsSchema.extend({
  logo_file: z.string().min(1).max(1000).optional(),
  favicon_file: z.string().min(1).max(1000).optional(),
});
export type BrandingBootstrap = z.output<typeof brandingBootstrapSchema>;
export const brandingBootstrapField = { branding: brandingBootstrapSchema.optional() };

function readImage(dir: string, file: string) {
  try {
    return readFileSync(path.resolve(dir, file));
  } catch {
    throw new AppError('bad_file', 400, `branding: ${file}: cannot read it`);
  }
}

/** Sets one scope's branding as the file says (settings replaced; images from files set, or removed when none is named). */
export async function applyBrandingTo(services: Services, scope: Scope, scopeId: string, b: BrandingBootstrap | undefined, dir: string) {
  if (!b) return;
  const { logo_file: logo, favicon_file: favicon, ...settings } = b;
  try {
    await services.branding.setImage(scope, scopeId, 'logo', logo ? readImage(dir, logo) : null);
    await services.branding.setImage(scope, scopeId, 'favicon', favicon ? readImage(dir, favicon) : null);
    await services.branding.set(scope, scopeId, settings);
  } catch (err) {
    if (err instanceof BrandingRefused) {
      const why = err.key === 'branding.image_type' ? 'an image must be PNG, JPEG or WebP' : err.message;
      throw new AppError('bad_branding', 400, `branding: ${why}`);
    }
    throw err;
  }
}

type Once = (entry: string, value: unknown, apply: () => Promise<string[] | void>) => Promise<string[]>;
interface Data {
  branding?: BrandingBootstrap;
  organizations: Array<{ slug: string; branding?: BrandingBootstrap }>;
  clients: Array<{ client_id: string; branding?: BrandingBootstrap }>;
}

/** The deployment's, the organizations' and the clients' branding (SAML SPs: saml/bootstrap.ts). */
export async function applyBranding(
  services: Services,
  data: Data,
  dir: string,
  once: Once,
  where: (at: string, fn: () => Promise<void>) => Promise<void>,
) {
  if (data.branding)
    await where(
      'branding',
      async () =>
        void (await once('branding/deployment', data.branding, () => applyBrandingTo(services, 'deployment', '', data.branding, dir))),
    );
  for (const [i, o] of data.organizations.entries()) {
    if (!o.branding) continue;
    await where(`organizations[${i}].branding`, async () => {
      const orgId = (await services.orgs.findBySlug(o.slug))!.id;
      await once(`branding/organizations/${o.slug}`, { orgId, branding: o.branding }, () =>
        applyBrandingTo(services, 'org', orgId, o.branding, dir),
      );
    });
  }
  for (const [i, c] of data.clients.entries())
    if (c.branding)
      await where(`clients[${i}].branding`, async () => {
        await once(`branding/clients/${c.client_id}`, c.branding, () => applyBrandingTo(services, 'client', c.client_id, c.branding, dir));
      });
}
