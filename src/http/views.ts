/**
 * Server-rendered pages (eta, escaped by default) in one layout: language selector, our stylesheet,
 * no inline script (the CSP forbids it). Pages work without JavaScript.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Eta } from 'eta';
import type { Context } from 'koa';
import type { TFunction } from 'i18next';
import { LANGUAGES, LANGUAGE_NAMES, translator, type Language } from './i18n.js';
import { DEFAULT_BRAND, type Brand } from '../branding/brand.js';
import { themeHref } from '../branding/routes.js';

const eta = new Eta({
  views: path.join(path.dirname(fileURLToPath(import.meta.url)), 'views'),
  autoEscape: true,
  cache: true,
  autoTrim: false,
});

/**
 * The page a language link reloads. After a GET, this address. After a failed form post, the page
 * that shows that form (a link cannot repeat a post): the route's `pageUrl` when it gives one, else
 * the interaction step, My account, or the same path.
 */
function pageAddress(ctx: Context, pageUrl: unknown): string {
  if (ctx.method === 'GET' || ctx.method === 'HEAD') return ctx.originalUrl;
  if (typeof pageUrl === 'string' && pageUrl.startsWith('/') && !pageUrl.startsWith('//')) return pageUrl;
  const p = ctx.path;
  const step = /^\/interaction\/([^/]+)\/(company|factor)(?:\/|$)/.exec(p);
  if (step) return `/interaction/${step[1]}/${step[2]}`;
  const interaction = /^\/interaction\/([^/]+)\//.exec(p);
  if (interaction) return `/interaction/${interaction[1]}`;
  if (p.startsWith('/account/')) return '/account';
  return p;
}

/**
 * The language selector's links: this page's path and query on the issuer's origin (ctx.state.issuer,
 * src/http/issuer-origin.ts) — never a path taken as a URL: `/.//evil.example/x` must not become
 * `//evil.example/x`, which a browser reads as another site.
 */
function languageLinks(ctx: Context, pageUrl?: unknown) {
  const origin: string = typeof ctx.state.issuer === 'string' ? ctx.state.issuer : '';
  return LANGUAGES.map((code) => {
    const url = new URL(pageAddress(ctx, pageUrl).replace(/^[/\\]+/, ''), 'http://x/');
    url.searchParams.set('lang', code);
    const href = `${origin}${url.pathname.replace(/^\/+/, '/')}${url.search}`;
    return { code, name: LANGUAGE_NAMES[code], href, current: code === ctx.state.lang };
  });
}

/**
 * The page's brand (src/branding): the app of the sign-in (ctx.state.brandClientId, set with the
 * interaction, or the client of an oidc-provider page) over the person's or the routed company's organization (ctx.state.brandOrgId) over the
 * deployment, from memory. External images (https) are allowed in the CSP's img-src for this page only.
 */
function brandOf(ctx: Context): Brand {
  const brandFor = ctx.state.brandFor as ((s: { clientId?: string; orgId?: string }) => Brand) | undefined;
  // oidc-provider's own pages (logout, device, protocol errors) name the app in ctx.oidc.
  const providerClient = (ctx as Context & { oidc?: { client?: { clientId: string } } }).oidc?.client?.clientId;
  const clientId: string | undefined = ctx.state.brandClientId ?? providerClient;
  const brand = brandFor ? brandFor({ clientId, orgId: ctx.state.brandOrgId }) : DEFAULT_BRAND;
  const origins = [brand.logo, brand.favicon].filter((u) => u && /^https?:/.test(u)).map((u) => new URL(u!).origin);
  const csp = ctx.response.get('Content-Security-Policy');
  if (origins.length && csp)
    ctx.set('Content-Security-Policy', csp.replace("img-src 'self' data:", `img-src 'self' data: ${[...new Set(origins)].join(' ')}`));
  return brand;
}

export function renderPage(ctx: Context, template: string, data: Record<string, unknown> = {}, status = 200) {
  const lang: Language = ctx.state.lang ?? 'en';
  const brand = brandOf(ctx);
  const baseT: TFunction = ctx.state.t ?? translator(lang);
  const t = brand.custom ? translator(lang, brand.name) : baseT;
  ctx.status = status;
  ctx.type = 'text/html; charset=utf-8';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = eta.render(`./${template}`, {
    t,
    lang,
    brand,
    theme: brand.custom ? themeHref(brand.color, brand.background) : undefined,
    languages: languageLinks(ctx, data.pageUrl),
    csrf: ctx.state.csrf,
    fmt: dateTime(lang),
    ...data,
  });
}

/** A date and time as pages show them, in the page's language ("Dec 3, 2026, 10:42 AM"); '—' for none. */
export function dateTime(lang: string) {
  let fmt = formatters.get(lang);
  if (!fmt) {
    // Built once per language, and only when a page shows a date: an Intl.DateTimeFormat costs about 1 ms to create.
    let format: Intl.DateTimeFormat | undefined;
    fmt = (date) =>
      date ? (format ??= new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' })).format(new Date(date)) : '—';
    if (formatters.size < 64) formatters.set(lang, fmt);
  }
  return fmt;
}
const formatters = new Map<string, (date: Date | string | null | undefined) => string>();
