/**
 * Reads the body of a request bound for oidc-provider once, before it does, so the guards in front
 * of it (NUL bytes, client authentication throttle) can look at it. Rules:
 * - only form and JSON bodies, at most 56 KiB (oidc-provider's own limit): larger is a 413;
 * - the text is left on `req.body`, where oidc-provider takes an already read body from, so it
 *   parses exactly what it would have read (duplicates and all);
 * - a body some router already parsed is used as it is.
 */
import type { Context, Next } from 'koa';
import { AppError } from '../lib/errors.js';

const LIMIT = 56 * 1024;

type WithBody = { body?: unknown };

async function readText(ctx: Context): Promise<string> {
  const declared = ctx.request.length;
  if (declared !== undefined && declared > LIMIT) throw new AppError('request_too_large', 413, 'the request was too large');
  const chunks: Buffer[] = [];
  let received = 0;
  for await (const chunk of ctx.req) {
    received += (chunk as Buffer).length;
    if (received > LIMIT) throw new AppError('request_too_large', 413, 'the request was too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, received).toString('utf8');
}

export async function bufferProviderBody(ctx: Context, next: Next) {
  if (ctx.req.readable && ctx.request.body === undefined && ctx.is('application/x-www-form-urlencoded', 'application/json')) {
    (ctx.req as WithBody).body = await readText(ctx);
  }
  await next();
}

/** The body text read above (or a router's parsed body, re-encoded), for the guards to inspect. */
export function providerBodyText(ctx: Context): string {
  const given = (ctx.req as WithBody).body ?? ctx.request.body;
  if (given === undefined || given === null) return '';
  return typeof given === 'string' ? given : JSON.stringify(given);
}

/** The form fields of that body (empty for JSON or no body). */
export function providerForm(ctx: Context): URLSearchParams {
  return ctx.is('application/x-www-form-urlencoded') ? new URLSearchParams(providerBodyText(ctx)) : new URLSearchParams();
}
