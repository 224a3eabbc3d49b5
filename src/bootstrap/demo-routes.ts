/**
 * /demo: a tiny relying app (development only) to try a real sign-in. It runs the authorization code
 * flow with PKCE against this Wayfinder over HTTP, exchanges the code at the token endpoint and shows
 * the ID token's claims.
 */
import { createHash, randomBytes } from 'node:crypto';
import Router from '@koa/router';
import { renderPage } from '../http/views.js';
import { AppError } from '../lib/errors.js';
import { describeProtocolError } from '../http/protocol-errors.js';
import { DEMO_CLIENT_ID } from './demo.js';
import { guard } from '../http/guard.js';
import { queryText } from '../http/route-fields.js';
import { z } from 'zod';

/** The authorization response (RFC 6749 §4.1.2): each parameter one value. */
const callbackQuery = guard({
  query: z.object({ state: queryText(200), code: queryText(2000), error: queryText(200), error_description: queryText(2000) }),
});

export function demoRoutes(issuer: string) {
  const router = new Router({ prefix: '/demo' });
  const redirectUri = `${issuer}/demo/callback`;
  const cookie = { signed: true, httpOnly: true, sameSite: 'lax' as const, secure: issuer.startsWith('https:'), overwrite: true };

  router.get('/', (ctx) => {
    renderPage(ctx, 'demo', { title: ctx.state.t('demo.title') });
  });

  router.get('/start', (ctx) => {
    const state = randomBytes(16).toString('base64url');
    const verifier = randomBytes(32).toString('base64url');
    ctx.cookies.set('wf_demo', `${state}.${verifier}`, { ...cookie, maxAge: 3600e3 });
    const url = new URL('/auth', issuer);
    url.search = new URLSearchParams({
      client_id: DEMO_CLIENT_ID,
      response_type: 'code',
      scope: 'openid email profile',
      redirect_uri: redirectUri,
      state,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      ui_locales: ctx.state.lang,
    }).toString();
    ctx.redirect(url.toString());
  });

  router.get('/callback', callbackQuery, async (ctx) => {
    const q = callbackQuery.input(ctx).query;
    const [state, verifier] = (ctx.cookies.get('wf_demo', { signed: true }) ?? '').split('.');
    if (!state || q.state !== state) throw new AppError('invalid_state', 400, 'start the demo again');
    if (q.error) {
      const description = q.error_description;
      const key = `error.${q.error}`;
      const error =
        describeProtocolError(ctx.state.t, description) ?? (ctx.state.t(key) !== key ? ctx.state.t(key) : ctx.state.t('error.generic'));
      return renderPage(ctx, 'demo', { title: ctx.state.t('demo.title'), error });
    }
    const res = await fetch(new URL('/token', issuer), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: q.code ?? '',
        redirect_uri: redirectUri,
        client_id: DEMO_CLIENT_ID,
        code_verifier: verifier,
      }),
    });
    const tokens = (await res.json()) as { id_token?: string; error?: string };
    if (!res.ok || !tokens.id_token) throw new AppError('token_failed', 400, `the token exchange failed: ${tokens.error ?? res.status}`);
    const claims = JSON.parse(Buffer.from(tokens.id_token.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;
    const logout = new URL('/session/end', issuer);
    logout.search = new URLSearchParams({
      id_token_hint: tokens.id_token,
      post_logout_redirect_uri: `${issuer}/demo`,
      client_id: DEMO_CLIENT_ID,
    }).toString();
    ctx.cookies.set('wf_demo', null, cookie);
    renderPage(ctx, 'demo', {
      title: ctx.state.t('demo.signed_in_title'),
      claims: JSON.stringify(claims, null, 2),
      logoutHref: logout.toString(),
    });
  });

  return router;
}
