/**
 * SAML endpoints (HTTP only: read, call, respond). They get their own router: messages arrive as
 * cross-site POSTs from service providers, so the form pages' CSRF check does not apply (a SAML
 * message is authenticated by its signature and its single-use ID instead), and the body limit is
 * sized for a SAML message. Replies to an SP go as an auto-submitted form (a script file, since
 * the CSP forbids inline scripts, plus a visible Continue button). A signed cookie binds a pending
 * sign-in to the browser that started it.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import type { Audit } from '../audit/index.js';
import { parseBody } from '../http/body.js';
import { renderPage } from '../http/views.js';
import { guard } from '../http/guard.js';
import { lenient, pathParams } from '../http/route-fields.js';
import { z } from 'zod';
import { audited, SamlRefused } from './errors.js';
import type { Binding } from './inbound.js';
import type { Outcome, Sso } from './sso.js';
import type { Slo } from './slo.js';
import type { Idp } from './idp.js';

const POST_JS = readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), 'assets', 'post.js'));
const BROWSER_COOKIE = 'wf_saml';
/** A malformed value (repeated, too long) is absent: the sign-in's own checks refuse it, audited. */
const callbackQuery = guard({ query: z.object({ state: lenient(200), code: lenient(2000), error: lenient(200) }) });
const launchInput = guard({ params: pathParams('spId'), query: z.object({ RelayState: lenient(2000) }) });

export interface SamlRouteDeps {
  issuer: string;
  maxMessageBytes: number;
  sso: Sso;
  slo: Slo;
  idp: Idp;
  audit: Audit;
}

export function samlRoutes(d: SamlRouteDeps) {
  const router = new Router({ prefix: '/saml' });
  const secure = d.issuer.startsWith('https:');
  const cookie = { signed: true, httpOnly: true, sameSite: 'lax' as const, secure, overwrite: true };

  function browser(ctx: Context) {
    let value = ctx.cookies.get(BROWSER_COOKIE, { signed: true });
    if (!value) {
      value = randomBytes(16).toString('base64url');
      ctx.cookies.set(BROWSER_COOKIE, value, { ...cookie, maxAge: 86400e3 });
    }
    return value;
  }

  function send(ctx: Context, outcome: Outcome) {
    if ('redirect' in outcome) {
      ctx.status = 303;
      return ctx.redirect(outcome.redirect);
    }
    const t = ctx.state.t;
    renderPage(ctx, 'saml-post', {
      title: t('saml.post_title'),
      message: t('saml.post_lead', { app: outcome.post.appName ?? new URL(outcome.post.url).host }),
      url: outcome.post.url,
      fields: outcome.post.fields,
    });
  }

  // A SAML message too large for the body parser is a refusal like any other (audited, explained).
  async function tooLarge(ctx: Context, next: Next) {
    try {
      await next();
    } catch (err) {
      if ((err as { status?: number }).status !== 413) throw err;
      await audited(ctx, d.audit, ctx.path, async () => {
        throw new SamlRefused('saml_too_large', 'request body');
      });
    }
  }
  const body = parseBody(Math.ceil((d.maxMessageBytes * 4) / 3) + 8192);

  router.get('/metadata', async (ctx) => {
    ctx.type = 'application/samlmetadata+xml';
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = await d.idp.metadata();
  });

  const sso = (binding: Binding) => async (ctx: Context) =>
    send(ctx, await audited(ctx, d.audit, 'sso', () => d.sso.start(ctx, binding, browser(ctx))));
  router.get('/sso', sso('redirect'));
  router.post('/sso', tooLarge, body, sso('post'));

  router.get('/callback', callbackQuery, async (ctx) => {
    const q = callbackQuery.input(ctx).query;
    const outcome = await audited(ctx, d.audit, 'callback', () => d.sso.finish(ctx, q, ctx.cookies.get(BROWSER_COOKIE, { signed: true })));
    send(ctx, outcome);
  });

  router.get('/launch/:spId', launchInput, async (ctx) => {
    const { params, query } = launchInput.input(ctx);
    send(ctx, await audited(ctx, d.audit, 'launch', () => d.sso.launch(ctx, params.spId, browser(ctx), query.RelayState)));
  });

  const slo = (binding: Binding) => async (ctx: Context) => send(ctx, await audited(ctx, d.audit, 'slo', () => d.slo.handle(ctx, binding)));
  router.get('/slo', slo('redirect'));
  router.post('/slo', tooLarge, body, slo('post'));

  router.get('/logged-out', (ctx) => {
    const t = ctx.state.t;
    renderPage(ctx, 'notice', { title: t('logout.done_title'), message: t('logout.done') });
  });

  router.get('/assets/post.js', (ctx) => {
    ctx.type = 'text/javascript; charset=utf-8';
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = POST_JS;
  });

  return router;
}
