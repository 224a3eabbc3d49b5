/**
 * Branding assets: the theme stylesheet (colors from the query, #rrggbb only: no database, cacheable)
 * and uploaded logos and favicons, served with the type their bytes were recognised as and nosniff.
 *   GET /branding/theme.css?c=1f5fd1&b=f4f6f8
 *   GET /branding/:scope/:id/logo | favicon   (id '-': the deployment)
 */
import Router from '@koa/router';
import type { Branding } from './index.js';
import { DEFAULT_BACKGROUND, DEFAULT_COLOR } from './brand.js';

const HEX = /^[0-9a-f]{6}$/i;
const SCOPES = new Set(['deployment', 'org', 'client']);

/** The theme stylesheet's address for a brand's colors. */
export const themeHref = (color: string, background: string) => `/branding/theme.css?c=${color.slice(1)}&b=${background.slice(1)}`;

export function brandingAssetRoutes(branding: Branding) {
  const router = new Router({ prefix: '/branding' });
  router.get('/theme.css', (ctx) => {
    const c = typeof ctx.query.c === 'string' && HEX.test(ctx.query.c) ? `#${ctx.query.c}` : DEFAULT_COLOR;
    const b = typeof ctx.query.b === 'string' && HEX.test(ctx.query.b) ? `#${ctx.query.b}` : DEFAULT_BACKGROUND;
    ctx.type = 'text/css; charset=utf-8';
    ctx.set('Cache-Control', 'public, max-age=86400');
    ctx.body = `:root { --accent: ${c.toLowerCase()}; --bg: ${b.toLowerCase()}; }\n`;
  });
  router.get('/:scope/:id/:kind', async (ctx) => {
    const { scope, id, kind } = ctx.params;
    if (!SCOPES.has(scope) || (kind !== 'logo' && kind !== 'favicon') || id.length > 200) return;
    const image = await branding.image(scope as 'org', id === '-' ? '' : id, kind);
    if (!image) return;
    ctx.type = image.type;
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Content-Security-Policy', "default-src 'none'");
    ctx.set('Cache-Control', typeof ctx.query.v === 'string' ? 'public, max-age=31536000, immutable' : 'public, max-age=300');
    ctx.body = image.bytes;
  });
  return router;
}
