/**
 * Serves the few static files pages use (stylesheet, the WebAuthn page script and the browser half of
 * SimpleWebAuthn), from memory, with long caching. Scripts are files because the CSP forbids inline ones.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Router from '@koa/router';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'assets');
/** @simplewebauthn/browser's UMD bundle (global SimpleWebAuthnBrowser), found beside its CommonJS entry. */
const simpleWebAuthnBrowser = path.join(
  path.dirname(createRequire(import.meta.url).resolve('@simplewebauthn/browser')),
  '../dist/bundle/index.umd.min.js',
);
const js = 'text/javascript; charset=utf-8';
const files: Record<string, { type: string; body: Buffer }> = {
  'wayfinder.css': { type: 'text/css; charset=utf-8', body: readFileSync(path.join(dir, 'wayfinder.css')) },
  'favicon.svg': { type: 'image/svg+xml', body: readFileSync(path.join(dir, 'favicon.svg')) },
  'webauthn.js': { type: js, body: readFileSync(path.join(dir, 'webauthn.js')) },
  'copy.js': { type: js, body: readFileSync(path.join(dir, 'copy.js')) },
  'auto-submit.js': { type: js, body: readFileSync(path.join(dir, 'auto-submit.js')) },
  'simplewebauthn-browser.js': { type: js, body: readFileSync(simpleWebAuthnBrowser) },
};

export function assetRoutes() {
  const router = new Router();
  router.get('/favicon.ico', (ctx) => {
    ctx.type = 'image/svg+xml';
    ctx.set('Cache-Control', 'public, max-age=86400');
    ctx.body = files['favicon.svg'].body;
  });
  router.get('/assets/:name', (ctx) => {
    // Own keys only: `constructor` or `__proto__` are no asset (they answered 204).
    const file = Object.hasOwn(files, ctx.params.name) ? files[ctx.params.name] : undefined;
    if (!file) return;
    ctx.type = file.type;
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = file.body;
  });
  return router;
}
