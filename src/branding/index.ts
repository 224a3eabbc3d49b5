/**
 * Branding in memory: every scope's settings are loaded in one statement and kept for TTL_MS, so a
 * page view costs no statement (a stale copy serves while a fresh one loads in the background; a
 * change made here is seen at once, on other instances within TTL_MS). Pages and mails ask
 * `resolve({ clientId, orgId })` for the effective brand (app > organization > deployment).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Context, Next } from 'koa';
import type { Db } from '../db/index.js';
import type { Logger } from '../lib/log.js';
import { ttlCache } from '../lib/ttl-cache.js';
import { AppError } from '../lib/errors.js';
import {
  brandSettingsSchema,
  contrastProblem,
  DEFAULT_BRAND,
  imageProblem,
  imageType,
  LOGO_MAX_BYTES,
  type Brand,
  type BrandSettings,
} from './brand.js';
import { createBrandingStore, type BrandingRow, type ImageKind, type Scope } from './store.js';

export const TTL_MS = 30_000;
/** The request's state (brandClientId, brandOrgId), for mails sent while it is handled (wiring.ts). */
export const requestBrandScope = new AsyncLocalStorage<Record<string, unknown>>();
const key = (scope: Scope, id: string) => `${scope}:${id}`;
/** The address an uploaded image is served at (versioned: it changes when the image does). */
export const imagePath = (r: BrandingRow, kind: ImageKind) =>
  `/branding/${r.scope}/${encodeURIComponent(r.scope_id || '-')}/${kind}?v=${new Date(r.updated_at).getTime()}`;

export interface BrandScope {
  clientId?: string;
  orgId?: string;
}

/** Thrown for a setting the rules refuse; `key` and `vars` say why in the person's language. */
export class BrandingRefused extends AppError {
  constructor(
    readonly key: string,
    readonly vars: Record<string, string>,
    message: string,
  ) {
    super('branding_refused', 400, message);
  }
}

export function createBranding(db: Db, log?: Logger) {
  const store = createBrandingStore(db);
  let rows = new Map<string, BrandingRow>();
  let loadedAt = 0;
  let loading: Promise<void> | undefined;
  const images = ttlCache<{ bytes: Buffer; type: string } | undefined>(TTL_MS, 500);

  function load() {
    loading ??= store
      .all()
      .then((all) => {
        rows = new Map(all.map((r) => [key(r.scope, r.scope_id), r]));
        loadedAt = Date.now();
      })
      .catch((err: unknown) => log?.warn({ err }, 'branding not loaded; pages keep the last (or default) look'))
      .finally(() => (loading = undefined));
    return loading;
  }

  /** Fresh enough to render with: waits only for the first load (or after a change here). */
  async function ready() {
    if (!loadedAt) await load();
    else if (Date.now() - loadedAt > TTL_MS) void load();
  }

  function layers(scope: BrandScope): BrandingRow[] {
    return [key('deployment', ''), scope.orgId && key('org', scope.orgId), scope.clientId && key('client', scope.clientId)]
      .map((k) => (k ? rows.get(k) : undefined))
      .filter((r): r is BrandingRow => !!r);
  }

  function resolve(scope: BrandScope = {}): Brand {
    const brand: Brand = { ...DEFAULT_BRAND };
    for (const r of layers(scope)) {
      const s = r.settings;
      brand.custom = true;
      if (s.product_name) brand.name = s.product_name;
      if (s.primary_color) brand.color = s.primary_color;
      if (s.background_color) brand.background = s.background_color;
      if (r.logo_type) brand.logo = imagePath(r, 'logo');
      else if (s.logo_url) brand.logo = s.logo_url;
      if (r.favicon_type) brand.favicon = imagePath(r, 'favicon');
      else if (s.favicon_url) brand.favicon = s.favicon_url;
      if (s.privacy_url) brand.privacy = s.privacy_url;
      if (s.terms_url) brand.terms = s.terms_url;
    }
    return brand;
  }

  /** The brand a scope would have with `settings` in place of its own (for the contrast check). */
  function resolveWith(scope: Scope, scopeId: string, settings: BrandSettings): Brand {
    const saved = rows.get(key(scope, scopeId));
    rows.set(key(scope, scopeId), { scope, scope_id: scopeId, settings, logo_type: null, favicon_type: null, updated_at: new Date() });
    try {
      return resolve({ orgId: scope === 'org' ? scopeId : undefined, clientId: scope === 'client' ? scopeId : undefined });
    } finally {
      if (saved) rows.set(key(scope, scopeId), saved);
      else rows.delete(key(scope, scopeId));
    }
  }

  const changed = async () => {
    loadedAt = 0;
    images.clear();
    await load();
  };

  return {
    ready,
    resolve,
    /** Whether any scope has branding (when none does, nothing needs looking up). */
    any: () => rows.size > 0,
    /** Loads every scope again now (after a change made outside this instance's use-cases). */
    reload: changed,
    /** Koa middleware: pages rendered after it find `ctx.state.brandFor` (renderPage in src/http/views.ts). */
    async middleware(ctx: Context, next: Next) {
      await ready();
      ctx.state.brandFor = resolve;
      await requestBrandScope.run(ctx.state, next);
    },
    async settingsOf(scope: Scope, scopeId: string) {
      await ready();
      const r = rows.get(key(scope, scopeId));
      return {
        settings: r?.settings ?? {},
        logo: r?.logo_type ? imagePath(r, 'logo') : null,
        favicon: r?.favicon_type ? imagePath(r, 'favicon') : null,
      };
    },
    /** Replaces a scope's settings (images stay); refuses what fails the rules (brand.ts). */
    async set(scope: Scope, scopeId: string, input: unknown) {
      const settings = brandSettingsSchema.parse(input) as BrandSettings;
      await ready();
      const b = resolveWith(scope, scopeId, settings);
      const problem = settings.primary_color || settings.background_color ? contrastProblem(b.color, b.background) : undefined;
      if (problem) {
        const { key: k, ...vars } = problem;
        throw new BrandingRefused(
          k,
          vars,
          `the primary color ${vars.color} has a contrast of ${vars.ratio}:1 against ${vars.against}; WCAG AA needs 4.5:1`,
        );
      }
      await store.saveSettings(scope, scopeId, settings);
      await changed();
    },
    /** Sets (or with null removes) an uploaded logo or favicon: PNG, JPEG or WebP by its bytes, size-capped. */
    async setImage(scope: Scope, scopeId: string, kind: ImageKind, bytes: Buffer | null) {
      if (bytes) {
        const problem = imageProblem(bytes);
        if (problem)
          throw new BrandingRefused(
            problem,
            { kb: String(LOGO_MAX_BYTES / 1024) },
            problem === 'branding.image_size' ? 'the image is too large' : 'the image is not PNG, JPEG or WebP',
          );
      }
      await store.saveImage(scope, scopeId, kind, bytes ? { bytes, type: imageType(bytes)! } : null);
      await changed();
    },
    /** An uploaded image's bytes and recognised type (cached). */
    image: (scope: Scope, scopeId: string, kind: ImageKind) =>
      images.get(`${key(scope, scopeId)}:${kind}`, () => store.image(scope, scopeId, kind)),
  };
}
export type Branding = ReturnType<typeof createBranding>;
