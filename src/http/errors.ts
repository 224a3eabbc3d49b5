/**
 * Turns every error into a response a person or program can act on: a translated page for browsers,
 * `{ error, error_description }` JSON for API callers. Typed AppErrors and client errors raised by
 * koa/body parsing keep their 4xx status; anything else is a logged 500 with a generic message.
 */
import type { Context, Next } from 'koa';
import { AppError } from '../lib/errors.js';
import { renderPage } from './views.js';
import { PROVIDER_API } from './provider-paths.js';

const HTTP_CODES: Record<number, string> = { 400: 'invalid_request', 403: 'forbidden', 404: 'not_found', 405: 'method_not_allowed', 413: 'request_too_large', 415: 'unsupported_media_type', 429: 'too_many_requests' };

function wantsJson(ctx: Context) {
  return ctx.path.startsWith('/api/') || ctx.path.startsWith('/scim/') || PROVIDER_API.has(ctx.path)
    || ctx.accepts(['html', 'json']) === 'json';
}

export async function errorMiddleware(ctx: Context, next: Next) {
  try {
    await next();
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
    if (err instanceof AppError) {
      status = err.status; code = err.code; message = err.expose ? err.message : undefined;
      if (err.details?.retryAfter) ctx.set('Retry-After', String(err.details.retryAfter));
    } else if (typeof err.status === 'number' && err.status >= 400 && err.status < 500) {
      status = err.status; code = HTTP_CODES[status] ?? 'invalid_request'; message = err.expose ? err.message : undefined;
    }
    if (status >= 500) ctx.state.log?.error({ err }, 'unhandled error');
    const t = ctx.state.t;
    if (wantsJson(ctx) || !t) {
      ctx.status = status;
      ctx.body = { error: code, error_description: message ?? (status >= 500 ? 'something went wrong on our side' : code.replace(/_/g, ' ')) };
      return;
    }
    const key = `error.${code}`;
    const translated = t(key) !== key ? t(key) : undefined;
    renderPage(ctx, 'error', {
      title: t(status >= 500 ? 'error.title_server' : 'error.title'),
      message: translated ?? message ?? t(status === 404 ? 'error.not_found' : status >= 500 ? 'error.server' : 'error.generic'),
      requestId: ctx.state.requestId,
    }, status);
  }
}
