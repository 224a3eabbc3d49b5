/** Serves the few static files pages use (stylesheet), from memory, with long caching. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Router from '@koa/router';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'assets');
const files: Record<string, { type: string; body: Buffer }> = {
  'wayfinder.css': { type: 'text/css; charset=utf-8', body: readFileSync(path.join(dir, 'wayfinder.css')) },
};

export function assetRoutes() {
  const router = new Router();
  router.get('/assets/:name', (ctx) => {
    const file = files[ctx.params.name];
    if (!file) return;
    ctx.type = file.type;
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = file.body;
  });
  return router;
}
