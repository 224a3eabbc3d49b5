/**
 * Refuses a NUL character in the address or the body of a request before it reaches oidc-provider
 * (Postgres cannot store one: each used to end in a 500). The answer is a 400 — JSON on the API
 * endpoints, a page for browsers (src/http/errors.ts decides which). Encoded (%00, \u0000) or raw.
 */
import type { Context, Next } from 'koa';
import { badRequest } from '../lib/errors.js';
import { providerBodyText } from './provider-body.js';

const NUL = /%00|\\u0000|\0/i;

export async function refuseNul(ctx: Context, next: Next) {
  if (NUL.test(ctx.url) || NUL.test(providerBodyText(ctx))) {
    ctx.state.log?.warn({ path: ctx.path }, 'request with a NUL character refused');
    throw badRequest('invalid_request', 'the request contains a NUL character, which no parameter may hold');
  }
  await next();
}
