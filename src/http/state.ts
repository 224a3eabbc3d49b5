/**
 * What our middleware puts on `ctx.state`, typed for every route (koa's DefaultState is augmented here):
 * the request id and logger (request-log.ts), the language and translator (i18n.ts, chosen on first
 * use), and the CSRF token of the page's forms (csrf.ts).
 */
import type { TFunction } from 'i18next';
import type { Logger } from '../lib/log.js';
import type { Language } from './i18n.js';

declare module 'koa' {
  interface DefaultState {
    requestId: string;
    log?: Logger;
    lang: Language;
    t: TFunction;
    csrf?: string;
    /** An error oidc-provider rendered itself (src/oidc/provider.ts), for the error middleware. */
    serverError?: unknown;
  }
}
