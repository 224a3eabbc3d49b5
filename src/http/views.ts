/**
 * Server-rendered pages (eta, escaped by default) in one layout: language selector, our stylesheet,
 * no inline script (the CSP forbids it). Pages work without JavaScript.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Eta } from 'eta';
import type { Context } from 'koa';
import { LANGUAGES, LANGUAGE_NAMES, translator, type Language } from './i18n.js';

const eta = new Eta({
  views: path.join(path.dirname(fileURLToPath(import.meta.url)), 'views'),
  autoEscape: true,
  cache: true,
  autoTrim: false,
});

/**
 * The language selector's links: this page's path and query on the issuer's origin (ctx.state.issuer,
 * src/http/issuer-origin.ts) — never a path taken as a URL: `/.//evil.example/x` must not become
 * `//evil.example/x`, which a browser reads as another site.
 */
function languageLinks(ctx: Context) {
  const origin: string = typeof ctx.state.issuer === 'string' ? ctx.state.issuer : '';
  return LANGUAGES.map((code) => {
    const url = new URL(ctx.originalUrl.replace(/^[/\\]+/, ''), 'http://x/');
    url.searchParams.set('lang', code);
    const href = `${origin}${url.pathname.replace(/^\/+/, '/')}${url.search}`;
    return { code, name: LANGUAGE_NAMES[code], href, current: code === ctx.state.lang };
  });
}

export function renderPage(ctx: Context, template: string, data: Record<string, unknown> = {}, status = 200) {
  const lang: Language = ctx.state.lang ?? 'en';
  const t = ctx.state.t ?? translator(lang);
  ctx.status = status;
  ctx.type = 'text/html; charset=utf-8';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = eta.render(`./${template}`, {
    t,
    lang,
    languages: languageLinks(ctx),
    csrf: ctx.state.csrf,
    ...data,
  });
}
