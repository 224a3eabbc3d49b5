/**
 * Languages of every page and email. The language is chosen from, in order: a `?lang=` choice from
 * the language selector (remembered in a cookie), the remembered choice, `ui_locales` of the
 * authorization request (applied by the interaction code), then Accept-Language. The person's own
 * choice beats the app's: it survives redirects and failed form posts.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import i18next, { type TFunction } from 'i18next';
import type { Context, Next } from 'koa';

export const LANGUAGES = ['en', 'fr', 'de', 'es', 'it', 'pt', 'nl'] as const;
export type Language = (typeof LANGUAGES)[number];
export const LANGUAGE_NAMES: Record<Language, string> = {
  en: 'English',
  fr: 'Français',
  de: 'Deutsch',
  es: 'Español',
  it: 'Italiano',
  pt: 'Português',
  nl: 'Nederlands',
};
const COOKIE = 'wf_lang';
const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'locales');

export const messages: Record<Language, Record<string, string>> = Object.fromEntries(
  LANGUAGES.map((l) => [l, JSON.parse(readFileSync(path.join(dir, `${l}.json`), 'utf8'))]),
) as Record<Language, Record<string, string>>;

const i18n = i18next.createInstance();
void i18n.init({
  initAsync: false,
  resources: Object.fromEntries(LANGUAGES.map((l) => [l, { translation: messages[l] }])),
  fallbackLng: 'en',
  // Templates escape on output. {{product}}: the brand's product name (src/branding), Wayfinder unless a page or mail says otherwise.
  interpolation: { escapeValue: false, defaultVariables: { product: 'Wayfinder' } },
  returnNull: false,
});

/**
 * The translation function of a language (and brand's product name), one per pair. A call without
 * options (most of a page) is answered from a memo of that language's known keys, resolved by i18next
 * once (about 30 µs a call otherwise); unknown keys and calls with options go to i18next every time,
 * so a memo never grows beyond the locale files.
 */
export function translator(lang: Language, product?: string): TFunction {
  const id = product === undefined ? lang : `${lang}\0${product}`;
  let t = translators.get(id);
  if (t) return t;
  const fixed = i18n.getFixedT(lang) as (key: unknown, opts?: unknown) => string;
  const vars = product === undefined ? undefined : { product };
  const memo = new Map<string, string>();
  const known = (key: string) => Object.hasOwn(messages[lang], key) || Object.hasOwn(messages.en, key);
  t = ((key: string | string[], opts?: Record<string, unknown>) => {
    if (opts !== undefined || typeof key !== 'string' || !known(key)) return fixed(key, vars ? { ...vars, ...opts } : opts);
    let text = memo.get(key);
    if (text === undefined) memo.set(key, (text = fixed(key, vars)));
    return text;
  }) as unknown as TFunction;
  if (translators.size < 512) translators.set(id, t);
  return t;
}
const translators = new Map<string, TFunction>();

export function pickLanguage(candidates: Array<string | undefined>): Language | undefined {
  for (const c of candidates) {
    if (!c) continue;
    const base = c.toLowerCase().split(/[-_]/)[0] as Language;
    if ((LANGUAGES as readonly string[]).includes(base)) return base;
  }
  return undefined;
}

/**
 * Chooses the language for this request (ctx.state.lang, ctx.state.t), on first use only: machine
 * endpoints (token, JWKS) never pay for it.
 */
export async function i18nMiddleware(ctx: Context, next: Next) {
  const chosen = typeof ctx.query.lang === 'string' ? pickLanguage([ctx.query.lang]) : undefined;
  if (chosen) ctx.cookies.set(COOKIE, chosen, { httpOnly: true, sameSite: 'lax', maxAge: 365 * 86400e3, signed: false, overwrite: true });
  let lang: Language | undefined;
  const decide = () =>
    (lang ??= chosen ?? pickLanguage([ctx.cookies.get(COOKIE, { signed: false })]) ?? pickLanguage(ctx.acceptsLanguages()) ?? 'en');
  Object.defineProperty(ctx.state, 'lang', {
    configurable: true,
    enumerable: true,
    get: decide,
    set: (v: Language) => setLanguage(ctx, v),
  });
  Object.defineProperty(ctx.state, 't', { configurable: true, enumerable: true, get: () => translator(decide()) });
  await next();
}

export function setLanguage(ctx: Context, lang: Language) {
  Object.defineProperty(ctx.state, 'lang', { configurable: true, enumerable: true, writable: true, value: lang });
  Object.defineProperty(ctx.state, 't', { configurable: true, enumerable: true, writable: true, value: translator(lang) });
}

/** ui_locales from an authorization request wins over Accept-Language, never over the person's choice. */
export function applyUiLocales(ctx: Context, uiLocales: string | undefined) {
  if (!uiLocales || typeof ctx.query.lang === 'string' || pickLanguage([ctx.cookies.get(COOKIE, { signed: false })])) return;
  const lang = pickLanguage(uiLocales.split(' '));
  if (lang) setLanguage(ctx, lang);
}

/** The language chosen explicitly in this browser: `?lang=` now, or the remembered choice. */
export function browserChoice(ctx: Context): Language | undefined {
  const now = typeof ctx.query.lang === 'string' ? pickLanguage([ctx.query.lang]) : undefined;
  return now ?? pickLanguage([ctx.cookies.get(COOKIE, { signed: false })]);
}

/**
 * The language for a known person (signed in, or the addressee of a mail): this browser's explicit
 * choice, then the person's preference (users.locale), then what the request asked for (the app's
 * ui_locales, Accept-Language).
 */
export function languageFor(ctx: Context | undefined, preference: string | null | undefined, fallback?: Language): Language {
  return (
    (ctx && browserChoice(ctx)) ?? pickLanguage([preference ?? undefined]) ?? fallback ?? (ctx?.state.lang as Language | undefined) ?? 'en'
  );
}

/** Renders this request's pages in the known person's language (see languageFor). */
export function applyPersonLanguage(ctx: Context, preference: string | null | undefined) {
  if (browserChoice(ctx) || !pickLanguage([preference ?? undefined])) return;
  setLanguage(ctx, languageFor(ctx, preference));
}

/** Remembers an explicit choice in this browser (the language selector, My account's preference). */
export function rememberChoice(ctx: Context, lang: Language) {
  ctx.cookies.set(COOKIE, lang, { httpOnly: true, sameSite: 'lax', maxAge: 365 * 86400e3, signed: false, overwrite: true });
  setLanguage(ctx, lang);
}
