/**
 * The answer of decide() as HTTP: one place that redirects (the pages of one feature — the email,
 * password and consent pages — are rendered by their own routes). Every redirect here goes to one of
 * our own paths or to a destination that destinations.ts allowed.
 */
import type { Context } from 'koa';
import { renderPage } from '../http/views.js';
import type { Next } from './decide.js';

const seeOther = (ctx: Context, to: string) => {
  ctx.status = 303;
  ctx.redirect(to);
};

/** The authorization endpoint with the original request's parameters. */
export const authorizationUrl = (params: Record<string, string>) => `/auth?${new URLSearchParams(params).toString()}`;

/** A page with one "Continue" that posts to `action` (on its own when scripts run). */
export function continuePage(ctx: Context, action: string, appName?: string) {
  const t = ctx.state.t;
  renderPage(ctx, 'continue', {
    title: t('routing.continue_title'),
    message: appName ? t('routing.continue_app', { app: appName }) : t('routing.continue_lead'),
    action,
    auto: true,
  });
}

/**
 * Redirects or renders for the kinds that are not one feature's own page. `uid`: the interaction
 * the answer is for (factor and company steps).
 */
export function go(ctx: Context, next: Next, uid?: string) {
  const t = ctx.state.t;
  switch (next.kind) {
    case 'done':
      return;
    case 'factor':
      return seeOther(ctx, `/interaction/${uid}/factor`);
    case 'company':
      return seeOther(ctx, `/interaction/${uid}/sso`);
    case 'restart':
      return seeOther(ctx, authorizationUrl(next.params));
    case 'took-too-long':
      return renderPage(ctx, 'took-too-long', {
        title: t('routing.too_long_title'),
        href: authorizationUrl(next.params),
      });
    case 'again':
      return seeOther(ctx, `/interaction/${next.uid}`);
    case 'destination':
      return seeOther(ctx, next.url);
    case 'sign-in':
      return seeOther(ctx, `/sign-in?return_to=${encodeURIComponent(next.returnTo)}`);
    case 'lost':
      return seeOther(ctx, `/?reason=${next.reason}`);
    default:
      // Pages of the interaction itself (email, password, consent, continue): its first page decides.
      return seeOther(ctx, uid ? `/interaction/${uid}` : '/');
  }
}
