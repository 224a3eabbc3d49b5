/**
 * Where social providers send the person back, outside an interaction. HTTP only; no CSRF check
 * here: Apple's form_post is a cross-site POST that carries no cookie, and each answer is bound
 * instead to a single-use state we issued (flow.ts).
 * - GET|POST /social/callback/:connection  the redirect_uri of every social connection
 * The verified answer goes on to the interaction (sign-in) or to My account (linking), whose
 * browser must hold that interaction or that session. Failures render a translated page with a way
 * back (and are audited), never a 500.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Audit } from '../../audit/index.js';
import { parseBody } from '../../http/body.js';
import { textFields } from '../../http/input.js';
import { guard } from '../../http/guard.js';
import { pathParams } from '../../http/route-fields.js';
import { z } from 'zod';

/** An identity provider's answer: the connection in the path; query parameters one value each; form fields text. */
const answer = guard({ params: pathParams('connection'), query: z.record(z.string(), z.string()), body: textFields });
import { FederationError } from '../errors.js';
import type { SocialFlow } from './flow.js';
import { socialFailurePage } from './routes.js';
import { recoverLateAnswer } from '../routes.js';

export interface SocialCallbackDeps {
  issuer: string;
  flow: SocialFlow;
  audit: Audit;
  maxBodyBytes: number;
}

export function socialCallbackRoutes(d: SocialCallbackDeps) {
  const router = new Router();
  router.use(parseBody(d.maxBodyBytes));

  async function callback(ctx: Context) {
    const input = answer.input(ctx);
    const connectionId = input.params.connection;
    try {
      const url = new URL(ctx.originalUrl, d.issuer);
      const body = Object.fromEntries(Object.entries(input.body).filter(([, v]) => v !== ''));
      const { purpose, result } = await d.flow.callback(ctx, connectionId, { url, body });
      ctx.status = 303;
      ctx.redirect(
        purpose.kind === 'sign_in'
          ? `/interaction/${encodeURIComponent(purpose.uid)}/social/done?result=${encodeURIComponent(result)}`
          : `/account/social/done?result=${encodeURIComponent(result)}`,
      );
    } catch (err) {
      if (!(err instanceof FederationError)) throw err;
      if (await recoverLateAnswer(ctx, d.audit, err, { connectionId, uid: err.uid }, 'social')) return;
      await socialFailurePage(ctx, d.audit, err, { connectionId, uid: err.uid });
    }
  }

  router.get('/social/callback/:connection', answer, callback);
  router.post('/social/callback/:connection', answer, callback);
  return router;
}
