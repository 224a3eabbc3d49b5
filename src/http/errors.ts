/**
 * Turns every error into a response a person or program can act on: a translated page for browsers,
 * `{ error, error_description }` JSON for API callers, SCIM's error format (RFC 7644 §3.12) under
 * /scim/ for what is refused before the SCIM routes (a NUL in the address, an unknown method). Typed AppErrors and client errors raised by
 * koa/body parsing keep their 4xx status; anything else is a logged 500 with a generic message.
 * A database outage (src/db/availability.ts) is a 503 with Retry-After, logged once per outage — whether
 * it was thrown by our routes or swallowed by oidc-provider's own error handler (which leaves it in
 * ctx.state.serverError: see src/oidc/provider.ts).
 */
import type { Context, Next } from 'koa';
import type { DatabaseHealth } from '../db/availability.js';
import { isDatabaseUnavailable } from '../db/availability.js';
import { AppError } from '../lib/errors.js';
import { renderPage } from './views.js';
import { PROVIDER_API } from './provider-paths.js';

const HTTP_CODES: Record<number, string> = {
  400: 'invalid_request',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'request_too_large',
  415: 'unsupported_media_type',
  429: 'too_many_requests',
};

const SCIM_ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** 5xx answers that are logged elsewhere, once per state change, not per request. */
const QUIET_CODES = new Set(['temporarily_unavailable', 'proxy_misconfigured']);

export interface ErrorOptions {
  database?: DatabaseHealth;
  /** Paths that always answer JSON (oidc-provider's machine endpoints). */
  jsonPaths?: ReadonlySet<string>;
}

export function createErrorMiddleware(options: ErrorOptions = {}) {
  return (ctx: Context, next: Next) => handleErrors(ctx, next, options);
}

async function handleErrors(ctx: Context, next: Next, options: ErrorOptions) {
  const wantsJson = () =>
    (options.jsonPaths ?? PROVIDER_API).has(ctx.path) ||
    ctx.path.startsWith('/api/') ||
    ctx.path.startsWith('/scim/') ||
    ctx.accepts(['html', 'json']) === 'json';
  try {
    await next();
    const hidden: unknown = ctx.state.serverError;
    if (ctx.status >= 500 && hidden && isDatabaseUnavailable(hidden)) throw hidden;
    if (ctx.status === 404 && ctx.body === undefined) {
      throw new AppError('not_found', 404, 'not found');
    }
    // The router's 405 (e.g. reopening the address of a form after posting it) gets a page too.
    if (ctx.status === 405 && ctx.body === undefined) {
      throw new AppError('method_not_allowed', 405, 'this address does not accept that kind of request');
    }
  } catch (raw) {
    const err = raw as Error & { status?: number; expose?: boolean };
    let status = 500;
    let code = 'server_error';
    let message: string | undefined;
    if (options.database?.failed(err) ?? isDatabaseUnavailable(err)) {
      status = 503;
      code = 'temporarily_unavailable';
      message = 'the service is temporarily unavailable; try again shortly';
      ctx.set('Retry-After', String(options.database?.retryAfterSeconds ?? 5));
    } else if (err instanceof AppError) {
      status = err.status;
      code = err.code;
      message = err.expose ? err.message : undefined;
      if (err.details?.retryAfter) ctx.set('Retry-After', String(err.details.retryAfter));
    } else if (typeof err.status === 'number' && err.status >= 400 && err.status < 500) {
      status = err.status;
      code = HTTP_CODES[status] ?? 'invalid_request';
      message = err.expose ? err.message : undefined;
    }
    if (status >= 500 && !QUIET_CODES.has(code)) ctx.state.log?.error({ err }, 'unhandled error');
    const t = ctx.state.t;
    if (ctx.path.startsWith('/scim/')) {
      ctx.status = status;
      ctx.type = 'application/scim+json';
      const detail = message ?? (status >= 500 ? 'something went wrong on our side' : code.replace(/_/g, ' '));
      ctx.body = { schemas: [SCIM_ERROR], status: String(status), ...(status === 400 ? { scimType: 'invalidValue' } : {}), detail };
      return;
    }
    if (wantsJson() || !t) {
      ctx.status = status;
      ctx.body = {
        error: code,
        error_description: message ?? (status >= 500 ? 'something went wrong on our side' : code.replace(/_/g, ' ')),
      };
      return;
    }
    const key = `error.${code}`;
    const translated = t(key) !== key ? t(key) : undefined;
    renderPage(
      ctx,
      'error',
      {
        title: t(status >= 500 ? 'error.title_server' : status === 404 ? 'error.title_not_found' : 'error.title'),
        message: translated ?? message ?? t(status === 404 ? 'error.not_found' : status >= 500 ? 'error.server' : 'error.generic'),
        requestId: ctx.state.requestId,
      },
      status,
    );
  }
}
