/**
 * Refuses a NUL character (Postgres cannot store one: each used to end in a 500). The answer is a 400 —
 * JSON on the API endpoints, a page for browsers (src/http/errors.ts decides which). Three places:
 * - refuseNulInAddress, for every request: the path and query (encoded %00 or raw);
 * - refuseNul, before oidc-provider: also the body it will parse (encoded, \u0000 in JSON, or raw);
 * - hasNul, for src/http/input.ts: any text in a body our own routes parsed.
 */
import type { Context, Next } from 'koa';
import { badRequest } from '../lib/errors.js';
import { providerBodyText } from './provider-body.js';

const NUL = /%00|\\u0000|\0/i;

const refuse = (ctx: Context) => {
  ctx.state.log?.warn({ path: ctx.path }, 'request with a NUL character refused');
  return badRequest('invalid_request', 'the request contains a NUL character, which no parameter may hold');
};

export async function refuseNulInAddress(ctx: Context, next: Next) {
  if (/%00|\0/.test(ctx.url)) throw refuse(ctx);
  await next();
}

/** True when any text in a parsed value (strings, keys, nested objects and arrays) holds a NUL. */
export function hasNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\0');
  if (depth > 32 || !value || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some((v) => hasNul(v, depth + 1));
  return Object.entries(value).some(([k, v]) => k.includes('\0') || hasNul(v, depth + 1));
}

export async function refuseNul(ctx: Context, next: Next) {
  if (NUL.test(ctx.url) || NUL.test(providerBodyText(ctx))) throw refuse(ctx);
  await next();
}
