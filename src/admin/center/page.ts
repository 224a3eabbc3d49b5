/**
 * What every admin center page shares: who may enter (an administrator of an active organization,
 * with a second factor passed in the last 15 minutes: otherwise a GET goes through a step-up sign-in
 * and comes back, a POST is refused with 403), the organization picked with ?org=<slug>, the page
 * frame (tabs, organization switcher), the redirect after a change and its notice.
 */
import type { Context } from 'koa';
import type { CurrentPerson, SignedIn } from '../../accounts/current-person.js';
import { ACR } from '../../login/gate.js';
import { renderPage } from '../../http/views.js';
import { AppError } from '../../lib/errors.js';
import type { Actor } from '../actor.js';
import type { AdminStore } from '../store.js';
import { queryOf } from '../../http/input.js';
import { lenient } from '../../http/route-fields.js';
import { z } from 'zod';

const STEP_UP_SECONDS = 15 * 60;
/** Every admin center page's query: the organization and the notice of what was just done (malformed: none). */
const pageQuery = z.object({ org: lenient(100), done: lenient(100) });
export const SECTIONS = ['overview', 'people', 'groups', 'apps', 'security', 'sign-in', 'scim', 'audit'] as const;
export type Section = (typeof SECTIONS)[number];

export interface Admin {
  who: SignedIn;
  actor: Actor;
  org: { id: string; slug: string; name: string };
  orgs: Array<{ id: string; slug: string; name: string }>;
}

export function createAdminPages(d: { person: CurrentPerson; store: AdminStore; issuer: string }) {
  async function enter(ctx: Context): Promise<Admin | undefined> {
    const who = await d.person.signedIn(ctx);
    if (!who) return undefined;
    const orgs = await d.store.adminOrgsOf(who.user.id);
    if (!orgs.length) throw new AppError('not_an_administrator', 403, ctx.state.t('admin.not_admin'));
    const session = who.session as { acr?: string; loginTs?: number };
    const fresh = session.acr === ACR.mfa && Date.now() / 1000 - (session.loginTs ?? 0) < STEP_UP_SECONDS;
    if (!fresh) {
      // max_age: a second factor passed longer ago than that is asked again (not taken from the session).
      d.person.stepUp(ctx, { returnTo: ctx.originalUrl, extra: { max_age: String(STEP_UP_SECONDS) } });
      return undefined;
    }
    const wanted = queryOf(ctx, pageQuery).org;
    const org = (wanted && orgs.find((o) => o.slug === wanted)) || orgs[0];
    ctx.state.adminActor = `user:${who.user.id}`;
    ctx.state.brandOrgId = org.id;
    return { who, orgs, org, actor: { who: `user:${who.user.id}`, orgId: org.id, operator: false, canWrite: true } };
  }

  return {
    enter,
    /** For POST routes: enter() redirects only GETs, so a POST always has its administrator (or threw). */
    enterPost: async (ctx: Context) => (await enter(ctx))!,

    page(ctx: Context, a: Admin, section: Section, data: Record<string, unknown>, status = 200, view = `admin-${section}`) {
      const t = ctx.state.t;
      renderPage(
        ctx,
        view,
        {
          title: `${t(`admin.${section}`)} · ${a.org.name}`,
          wide: true,
          section,
          sections: SECTIONS,
          org: a.org,
          orgs: a.orgs,
          q: `?org=${a.org.slug}`,
          scimUrl: `${d.issuer}/scim/v2`,
          ...data,
        },
        status,
      );
    },

    back(ctx: Context, a: Admin, path: string, done: string) {
      ctx.status = 303;
      ctx.redirect(`/admin${path}?org=${encodeURIComponent(a.org.slug)}&done=${done}`);
    },

    /**
     * Runs a change; a refusal the person can act on (an AppError below 500 whose code is in `known`)
     * renders the page again with its reason (`<prefix><code>`) and status; anything else is thrown.
     */
    async attempt(
      ctx: Context,
      known: readonly string[],
      prefix: string,
      change: () => Promise<unknown>,
      again: (error: string, status: number) => Promise<void>,
    ) {
      try {
        await change();
        return true;
      } catch (err) {
        if (!(err instanceof AppError) || !known.includes(err.code) || err.status >= 500) throw err;
        await again(ctx.state.t(`${prefix}${err.code}`), err.status);
        return false;
      }
    },

    notice: (ctx: Context) => {
      const done = queryOf(ctx, pageQuery).done;
      return done === undefined ? undefined : ctx.state.t(`admin.done_${done.replace(/[^a-z_]/g, '')}`);
    },
  };
}
export type AdminPages = ReturnType<typeof createAdminPages>;
