/**
 * Security headers on every response. The CSP allows no inline script; oidc-provider adds the hash of
 * its own form_post script to script-src when it needs one. `form-action` is left out on purpose:
 * Chromium applies it to the redirects that follow a form post, which would block the return to apps.
 * Images may also come from https origins: the apps' registered logos (logo_uri) in the launcher.
 */
import type { Context, Next } from 'koa';

export function securityHeaders(https: boolean) {
  return async function securityHeadersMiddleware(ctx: Context, next: Next) {
    ctx.set(
      'Content-Security-Policy',
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    );
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
    ctx.set('Permissions-Policy', 'camera=(), microphone=(), geolocation=()');
    if (https) ctx.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    await next();
  };
}
