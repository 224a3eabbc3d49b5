/**
 * Pages people open directly, and the one Wayfinder shows when it cannot tell where they are going:
 * - GET  /           the lost page ("You're not lost — we're lost"): signed in, their apps (and the
 *                    ones of their organization they could ask for); signed out, a sign-in that
 *                    comes back here. `?reason=` says why they landed here (a fixed list).
 * - GET  /sign-in    signs in, then goes to `return_to` (checked: destinations.ts) or the lost page;
 *                    a refused `return_to` is a security event and the lost page, never an error.
 * - POST /sign-out   ends this browser's session, back to the lost page (signed out).
 * - POST /sign-in/another  "Use another account": the same, then straight to sign-in.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Audit } from '../audit/index.js';
import type { CurrentPerson } from '../accounts/current-person.js';
import { renderPage } from '../http/views.js';
import type { Sessions } from '../oidc/sessions.js';
import { decide, type LostReason } from './decide.js';
import type { DestinationCheck } from './destinations.js';
import { go } from './respond.js';
import type { AppCard } from '../apps/launcher.js';
import { z } from 'zod';
import { guard } from '../http/guard.js';
import { lenient } from '../http/route-fields.js';

export type AppsOf = (userId: string, lang: string) => Promise<{ apps: AppCard[]; requestable: AppCard[] }>;

export interface LostPageDeps {
  person: CurrentPerson;
  sessions: Sessions;
  audit: Audit;
  check: (raw: unknown) => Promise<DestinationCheck>;
  appsOf: AppsOf;
}

/**
 * The query of / and /sign-in: `return_to` (repeated: the first is checked, the whole is audited when
 * refused); `reason` and `another` are read as absent when malformed (the page recovers).
 */
const startQuery = guard({
  query: z.object({
    return_to: z.union([z.string(), z.array(z.string())]).optional(),
    reason: lenient(100),
    another: lenient(10),
  }),
});

const REASONS: ReadonlySet<string> = new Set<LostReason>(['unknown_destination', 'expired', 'refused_destination', 'cancelled']);

export function lostPageRoutes(d: LostPageDeps) {
  const router = new Router();

  async function returnTo(ctx: Context) {
    const raw = startQuery.input(ctx).query.return_to;
    if (raw === undefined) return undefined;
    const checked = await d.check(Array.isArray(raw) ? raw[0] : raw);
    if (!checked.ok) {
      await d.audit.record(ctx, {
        type: 'security.redirect_refused',
        outcome: 'failure',
        data: { reason: checked.reason, value: String(raw).slice(0, 200) },
      });
    }
    return checked.ok ? { ok: true as const, url: checked.url } : { ok: false as const };
  }

  async function lostPage(ctx: Context, reason: string, refused = false) {
    const t = ctx.state.t;
    const who = await d.person.peek(ctx);
    const lists = who ? await d.appsOf(who.user.id, ctx.state.lang ?? 'en') : { apps: [], requestable: [] };
    renderPage(ctx, 'lost', {
      title: t('lost.title'),
      reason: REASONS.has(reason) ? reason : 'unknown_destination',
      refused,
      user: who?.user,
      apps: lists.apps,
      requestable: lists.requestable,
      pageUrl: '/',
    });
  }

  async function start(ctx: Context, page: 'root' | 'sign-in') {
    const checked = await returnTo(ctx);
    const who = await d.person.peek(ctx);
    const next = decide({ at: 'start', page, signedIn: !!who, returnTo: checked });
    if (next.kind === 'lost')
      return lostPage(ctx, page === 'root' && !checked ? (startQuery.input(ctx).query.reason ?? '') : next.reason, next.refused);
    if (next.kind === 'sign-in') {
      const extra = startQuery.input(ctx).query.another === '1' ? { prompt: 'login' } : undefined;
      return d.person.signIn(ctx, { returnTo: next.returnTo, extra });
    }
    return go(ctx, next);
  }

  router.get('/', startQuery, (ctx) => start(ctx, 'root'));
  router.get('/sign-in', startQuery, (ctx) => start(ctx, 'sign-in'));

  async function signOut(ctx: Context) {
    const who = await d.person.peek(ctx);
    if (who) {
      await d.sessions.signOut(who.user.id, who.session.id);
      await d.audit.record(ctx, { type: 'session.signed_out', outcome: 'success', userId: who.user.id, data: { from: 'lost_page' } });
    }
    ctx.cookies.set('wf_session', null);
  }
  router.post('/sign-out', async (ctx) => {
    await signOut(ctx);
    ctx.status = 303;
    ctx.redirect('/');
  });
  router.post('/sign-in/another', async (ctx) => {
    await signOut(ctx);
    ctx.status = 303;
    ctx.redirect('/sign-in?another=1');
  });
  return router;
}
