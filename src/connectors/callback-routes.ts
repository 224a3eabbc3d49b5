/**
 * Endpoints the company IdPs and administrators reach outside an interaction. HTTP only; no CSRF
 * check here: the IdP's cross-site POST carries no cookie, and each answer is bound instead to a
 * single-use state we issued (federation.ts).
 * - GET|POST /sso/callback/:connection  OIDC redirect_uri and SAML Assertion Consumer Service
 * - GET      /sso/saml/:connection/metadata  Wayfinder's SP metadata for a SAML connection (its entity ID)
 * - GET      /sso/test/:token           an administrator's test sign-in (link from the CLI)
 * An unsolicited SAML response (when the connection allows them) is kept for the next sign-in of
 * this browser (a short-lived signed cookie) and the browser sent to My account.
 * Failures render a page saying what happened and what to do (and are audited), never a 500.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Audit } from '../audit/index.js';
import { parseBody } from '../http/body.js';
import { renderPage } from '../http/views.js';
import { FederationError } from './errors.js';
import type { CallbackResult, Federation } from './federation.js';
import { AppError } from '../lib/errors.js';
import { failurePage, PENDING_COOKIE, recoverLateAnswer } from './routes.js';
import { samlSpMetadata } from './saml.js';
import { textFields } from '../http/input.js';
import { guard } from '../http/guard.js';
import { pathParams } from '../http/route-fields.js';
import { z } from 'zod';

/** An identity provider's answer: the connection in the path; query parameters one value each; form fields text. */
const answer = guard({ params: pathParams('connection'), query: z.record(z.string(), z.string()), body: textFields });

export interface CallbackRouteDeps {
  issuer: string;
  federation: Federation;
  audit: Audit;
  maxBodyBytes: number;
}

export function callbackRoutes(d: CallbackRouteDeps) {
  const router = new Router();
  router.use(parseBody(d.maxBodyBytes));

  function testReport(ctx: Context, r: Extract<CallbackResult, { kind: 'test' }>) {
    const t = ctx.state.t;
    const { identity, plan } = r;
    const outcome =
      plan.kind === 'refused'
        ? t(`sso.error.${plan.reason}`)
        : plan.kind === 'create'
          ? t('sso.test_would_create', { email: identity.email })
          : t('sso.test_would_sign_in', { email: plan.user.email });
    renderPage(ctx, 'sso-test', {
      title: t('sso.test_title'),
      connection: r.connection.name,
      enforced: r.enforced,
      outcome,
      rows: [
        [t('sso.test_subject'), identity.subject],
        [t('sso.test_email'), identity.email ?? '—'],
        [t('sso.test_email_trusted'), t(identity.emailTrusted ? 'sso.yes' : 'sso.no')],
        [t('sso.test_name'), identity.name ?? '—'],
        [t('sso.test_mfa'), t(identity.mfa ? 'sso.yes' : 'sso.no')],
        [t('sso.test_methods'), identity.methods.join(', ') || '—'],
      ],
    });
  }

  async function callback(ctx: Context) {
    const input = answer.input(ctx);
    const connectionId = input.params.connection;
    try {
      const url = new URL(ctx.originalUrl, d.issuer);
      const body = Object.fromEntries(Object.entries(input.body).filter(([, v]) => v !== ''));
      const result = await d.federation.callback(ctx, connectionId, { url, body });
      if (result.kind === 'test') return testReport(ctx, result);
      if (result.kind === 'unsolicited') {
        // No interaction asked for it: the next sign-in of this browser (to My account) takes it.
        ctx.cookies.set(PENDING_COOKIE, result.result, {
          signed: true,
          httpOnly: true,
          sameSite: 'lax',
          secure: d.issuer.startsWith('https:'),
          maxAge: 300e3,
          overwrite: true,
        });
        ctx.status = 303;
        return ctx.redirect('/account');
      }
      ctx.status = 303;
      ctx.redirect(`/interaction/${result.uid}/sso/done?result=${encodeURIComponent(result.result)}`);
    } catch (err) {
      if (!(err instanceof FederationError)) throw err;
      if (await recoverLateAnswer(ctx, d.audit, err, { connectionId, uid: err.uid })) return;
      await failurePage(ctx, d.audit, err, { connectionId, uid: err.uid });
    }
  }

  router.get('/sso/callback/:connection', answer, callback);
  router.post('/sso/callback/:connection', answer, callback);

  // Wayfinder's SP metadata for a SAML connection, at its entity ID.
  const metadataPath = guard({ params: pathParams('connection') });
  router.get('/sso/saml/:connection/metadata', metadataPath, async (ctx) => {
    const found = await d.federation.find(metadataPath.input(ctx).params.connection);
    if (!found || found.connection.kind !== 'saml') throw new AppError('not_found', 404, 'no SAML connection here');
    ctx.type = 'application/samlmetadata+xml';
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = samlSpMetadata(found.connection, d.federation.env);
  });

  const testPath = guard({ params: pathParams('token') });
  router.get('/sso/test/:token', testPath, async (ctx) => {
    try {
      ctx.status = 303;
      ctx.redirect(await d.federation.startTest(ctx, testPath.input(ctx).params.token));
    } catch (err) {
      if (!(err instanceof FederationError)) throw err;
      await failurePage(ctx, d.audit, err, {});
    }
  });

  return router;
}
