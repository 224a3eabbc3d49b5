/**
 * "Linked sign-ins" in My account: each enabled social provider, linked or not. HTTP only.
 * - POST /account/social/:connection/link    → the provider (a round trip bound to this person)
 * - GET  /account/social/done                back from the provider: links to the signed-in person,
 *                                            only in the browser of the session that asked
 * - POST /account/social/:connection/unlink  refused when it is the last way in
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import type { CurrentPerson, SignedIn } from '../../accounts/current-person.js';
import type { Audit } from '../../audit/index.js';
import { form, queryOf, text } from '../../http/input.js';
import { renderPage } from '../../http/views.js';
import { guard } from '../../http/guard.js';
import { pathParams, routeParam } from '../../http/route-fields.js';
import { AppError } from '../../lib/errors.js';
import { FederationError } from '../errors.js';
import type { SocialConnections } from './connections.js';
import type { SocialFlow } from './flow.js';
import type { SocialLinking } from './linking.js';
import { socialFailurePage } from './routes.js';

const resultQuery = form({ result: text });

/** The data My account shows for linked sign-ins (enabled providers, plus any linked one). */
export function linkedSignInsSection(d: { connections: SocialConnections; linking: SocialLinking }) {
  return async (_ctx: Context, userId: string) => {
    const links = await d.linking.linksOf(userId);
    const buttons = await d.connections.buttons(links.map((l) => l.connection_id));
    return {
      socialLinks: buttons.map((b) => {
        const link = links.find((l) => l.connection_id === b.id);
        return { ...b, linked: Boolean(link), detail: link ? (link.email ?? link.name ?? '') : '' };
      }),
    };
  };
}

export interface SocialAccountDeps {
  person: CurrentPerson;
  flow: SocialFlow;
  linking: SocialLinking;
  audit: Audit;
  /** Removes a social link unless it is the last way in (accounts/linked-sign-ins.ts): a 409 AppError `last_way_in` then. */
  disconnect: (ctx: Context, user: SignedIn['user'], connectionId: string) => Promise<void>;
}

export function socialAccountRoutes(d: SocialAccountDeps) {
  const router = new Router({ prefix: '/account/social' });
  const done = (ctx: Context, what: string) => {
    ctx.status = 303;
    ctx.redirect(`/account?done=${what}`);
  };
  const guarded = (fn: (ctx: Context) => Promise<void>) => async (ctx: Context) => {
    try {
      await fn(ctx);
    } catch (err) {
      if (!(err instanceof FederationError)) throw err;
      await socialFailurePage(ctx, d.audit, err, { connectionId: routeParam(ctx, 'connection') });
    }
  };

  const connectionPath = guard({ params: pathParams('connection') });
  router.post(
    '/:connection/link',
    connectionPath,
    guarded(async (ctx) => {
      const who = (await d.person.signedIn(ctx))!;
      ctx.status = 303;
      ctx.redirect(await d.flow.start(ctx, connectionPath.input(ctx).params.connection, { kind: 'link', userId: who.user.id }));
    }),
  );

  router.get(
    '/done',
    guarded(async (ctx) => {
      const who = await d.person.signedIn(ctx);
      if (!who) return;
      const { conn, person } = await d.flow.takeResult(queryOf(ctx, resultQuery).result, { kind: 'link', userId: who.user.id });
      await d.linking.linkToAccount(ctx, conn, person, who.user);
      done(ctx, 'social_linked');
    }),
  );

  router.post('/:connection/unlink', connectionPath, async (ctx) => {
    const who = (await d.person.signedIn(ctx))!;
    try {
      await d.disconnect(ctx, who.user, connectionPath.input(ctx).params.connection);
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== 'last_way_in') throw err;
      const t = ctx.state.t;
      return renderPage(
        ctx,
        'social-error',
        { title: t('social.unlink_refused_title'), message: t('social.unlink_last_way_in'), hint: '' },
        409,
      );
    }
    done(ctx, 'social_unlinked');
  });

  return router;
}
