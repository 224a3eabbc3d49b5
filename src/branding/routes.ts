/**
 * Branding assets: the theme stylesheet (colors from the query, #rrggbb only: no database, cacheable)
 * and uploaded logos and favicons, served with the type their bytes were recognised as and nosniff.
 *   GET /branding/theme.css?c=1f5fd1&b=f4f6f8
 *   GET /branding/:scope/:id/logo | favicon   (id '-': the deployment)
 */
import Router from '@koa/router';
import type { Branding } from './index.js';
import { DEFAULT_BACKGROUND, DEFAULT_COLOR } from './brand.js';
import { guard } from '../http/guard.js';
import { lenient, pathParams } from '../http/route-fields.js';
import { z } from 'zod';

const HEX = /^[0-9a-f]{6}$/i;
const SCOPES = new Set(['deployment', 'org', 'client']);
/** A color that is not one `rrggbb` value is the default one; an asset's `v` only marks a versioned address. */
const themeQuery = guard({ query: z.object({ c: lenient(6), b: lenient(6) }) });
const assetInput = guard({ params: pathParams('scope', 'id', 'kind'), query: z.object({ v: lenient(100) }) });

/** The theme stylesheet's address for a brand's colors. */
export const themeHref = (color: string, background: string) => `/branding/theme.css?c=${color.slice(1)}&b=${background.slice(1)}`;

export function brandingAssetRoutes(branding: Branding) {
  const router = new Router({ prefix: '/branding' });
  router.get('/theme.css', themeQuery, (ctx) => {
    const q = themeQuery.input(ctx).query;
    const c = q.c && HEX.test(q.c) ? `#${q.c}` : DEFAULT_COLOR;
    const b = q.b && HEX.test(q.b) ? `#${q.b}` : DEFAULT_BACKGROUND;
    ctx.type = 'text/css; charset=utf-8';
    ctx.set('Cache-Control', 'public, max-age=86400');
    ctx.body = `:root { --accent: ${c.toLowerCase()}; --bg: ${b.toLowerCase()}; }\n`;
  });
  router.get('/:scope/:id/:kind', assetInput, async (ctx) => {
    const { params, query } = assetInput.input(ctx);
    const { scope, id, kind } = params;
    if (!SCOPES.has(scope) || (kind !== 'logo' && kind !== 'favicon')) return;
    const image = await branding.image(scope as 'org', id === '-' ? '' : id, kind);
    if (!image) return;
    ctx.type = image.type;
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Content-Security-Policy', "default-src 'none'");
    ctx.set('Cache-Control', query.v !== undefined ? 'public, max-age=31536000, immutable' : 'public, max-age=300');
    ctx.body = image.bytes;
  });
  return router;
}
