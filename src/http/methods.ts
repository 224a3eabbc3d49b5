/**
 * A method no route of this server implements (TRACE, PROPFIND, MKCOL…) is a 405 with an `Allow`
 * header, as a page or JSON, before any router or oidc-provider answers it with a bare 501.
 */
import type { Context, Next } from 'koa';
import { AppError } from '../lib/errors.js';

const IMPLEMENTED = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
const KNOWN = new Set(IMPLEMENTED);

export async function refuseUnknownMethods(ctx: Context, next: Next) {
  if (!KNOWN.has(ctx.method)) {
    ctx.set('Allow', IMPLEMENTED.join(', '));
    throw new AppError('method_not_allowed', 405, 'this address does not accept that kind of request');
  }
  await next();
}
