/**
 * Who is signed in on this browser, for Wayfinder's own pages (My account). Without a session the
 * browser goes through the ordinary sign-in journey as Wayfinder's first-party app
 * `wayfinder-account` (authorization code + PKCE), so it passes the same policy gate as any app.
 * Each visit extends a "stay signed in" session (sliding lifetime).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import { AppError } from '../lib/errors.js';
import { applyPersonLanguage } from '../http/i18n.js';
import { checkInput } from '../http/guard.js';
import { lenient } from '../http/route-fields.js';
import { z } from 'zod';
import { ACR } from '../login/gate.js';
import type { SessionPolicy } from '../login/session-policy.js';
import type { SessionAge } from '../orgs/session-lengths.js';
import type { Sessions } from '../oidc/sessions.js';
import type { AccountStore, User } from './store.js';

export const ACCOUNT_CLIENT_ID = 'wayfinder-account';
/** The states of this browser's sign-ins to My account in progress (several tabs: several states). */
const STATE_COOKIE = 'wf_account_state';
const STATES_KEPT = 5;
/** Where the return from a sign-in goes: a destination routing/destinations.ts allowed. */
const RETURN_COOKIE = 'wf_account_return';
const ownPage = (path: string | undefined) =>
  path === '/' ||
  (path &&
    (/^\/(account|admin)(\/[A-Za-z0-9/_-]*)?(\?[A-Za-z0-9=&_.%-]*)?$/.test(path) ||
      /^\/apps\/[A-Za-z0-9][A-Za-z0-9._~-]{0,199}\/launch$/.test(path)))
    ? path
    : undefined;

export interface CurrentPersonDeps {
  issuer: string;
  secure: boolean;
  rememberDays: number;
  sessions: Sessions;
  accounts: AccountStore;
  /** Whether the session meets today's policy (login/session-policy.ts); when not, My account signs in again through the journey. */
  meetsPolicy?: SessionPolicy;
  /** Checks a `return_to` (routing/destinations.ts); without it only our own pages are allowed. */
  checkReturn?: (raw: string) => Promise<string | undefined>;
  /** Whether the session is older than the person's organizations allow (orgs/session-lengths.ts): then a full sign-in. */
  tooOld?: SessionAge;
}
export type SignedIn = { session: NonNullable<Awaited<ReturnType<Sessions['current']>>>; user: User };

/** The return from sign-in's query: a malformed state or error is none (the callback recovers from it). */
const callbackQuery = z.object({ state: lenient(200), error: lenient(200) });

/** How recent a two-step sign-in must be to stand in for a password (new recovery codes, a new email address). */
export const FRESH_FACTOR_SECONDS = 300;

/** Whether this session passed a second factor in the last FRESH_FACTOR_SECONDS. */
export function freshFactor(who: SignedIn) {
  const s = who.session as { amr?: string[]; loginTs?: number };
  return !!s.amr?.includes('mfa') && typeof s.loginTs === 'number' && Date.now() / 1000 - s.loginTs <= FRESH_FACTOR_SECONDS;
}

export function createCurrentPerson(d: CurrentPersonDeps) {
  const cookieOpts = { signed: true, httpOnly: true, sameSite: 'lax' as const, secure: d.secure, overwrite: true };

  function startSignIn(ctx: Context, extra: Record<string, string> = {}) {
    const state = randomBytes(16).toString('base64url');
    const verifier = randomBytes(32).toString('base64url');
    const pending = (ctx.cookies.get(STATE_COOKIE, { signed: true }) ?? '').split(' ').filter(Boolean);
    ctx.cookies.set(STATE_COOKIE, [state, ...pending].slice(0, STATES_KEPT).join(' '), { ...cookieOpts, maxAge: 3600e3 });
    const url = new URL('/auth', d.issuer);
    url.search = new URLSearchParams({
      client_id: ACCOUNT_CLIENT_ID,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: `${d.issuer}/account/callback`,
      state,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      ...(ctx.state.lang ? { ui_locales: ctx.state.lang } : {}),
      ...extra,
    }).toString();
    ctx.redirect(url.toString());
  }

  async function current(ctx: Context): Promise<SignedIn | undefined> {
    const session = await d.sessions.current(ctx);
    const user = session ? await d.accounts.findUser(session.accountId!) : undefined;
    if (!session || !user || user.status !== 'active') return undefined;
    if (d.tooOld && (await d.tooOld({ accountId: user.id, loginTs: session.loginTs, transient: session.transient }))) return undefined;
    if (
      d.meetsPolicy &&
      !(await d.meetsPolicy(ctx, { accountId: user.id, loginTs: session.loginTs, amr: session.amr, acr: session.acr }, ACCOUNT_CLIENT_ID))
    )
      return undefined;
    return { session, user };
  }

  return {
    /**
     * The signed-in person, or undefined after redirecting a GET to sign-in (other methods: 401);
     * `returnTo` (one of our own pages) is where the sign-in comes back to instead of My account.
     */
    async signedIn(ctx: Context, opts: { returnTo?: string } = {}): Promise<SignedIn | undefined> {
      const who = await current(ctx);
      if (!who) {
        if (ctx.method !== 'GET') throw new AppError('login_required', 401, 'sign in again to continue');
        const back = ownPage(opts.returnTo);
        if (back) ctx.cookies.set(RETURN_COOKIE, back, { ...cookieOpts, maxAge: 3600e3 });
        startSignIn(ctx);
        return undefined;
      }
      const { session, user } = who;
      if (!session.transient) {
        const ttl = d.rememberDays * 86400;
        await session.save(ttl);
        ctx.cookies.set('wf_session', session.id, { ...cookieOpts, maxAge: ttl * 1000 });
      }
      applyPersonLanguage(ctx, user.locale);
      return { session, user };
    },

    /**
     * Sends a GET through a step-up sign-in (the multi-factor class: a second factor is asked even on
     * a trusted device); other methods get a 403 to act on.
     */
    stepUp(ctx: Context, opts: { returnTo?: string; extra?: Record<string, string> } = {}) {
      const again = 'confirm with your two-step verification first, then try again';
      if (ctx.method !== 'GET') throw new AppError('step_up_required', 403, again);
      const back = ownPage(opts.returnTo);
      if (back) ctx.cookies.set(RETURN_COOKIE, back, { ...cookieOpts, maxAge: 3600e3 });
      else ctx.cookies.set(RETURN_COOKIE, null, cookieOpts);
      startSignIn(ctx, { acr_values: ACR.mfa, ...opts.extra });
    },

    /** The signed-in person, if any: no redirect, no write (the lost page and routing ask). */
    peek: current,

    /** Signs in (again), then returns to `returnTo` — a destination already checked by the caller. */
    signIn(ctx: Context, opts: { returnTo?: string; extra?: Record<string, string> } = {}) {
      if (opts.returnTo) ctx.cookies.set(RETURN_COOKIE, opts.returnTo, { ...cookieOpts, maxAge: 3600e3 });
      startSignIn(ctx, opts.extra);
    },

    /**
     * The return from sign-in: checks the state it sent (one of this browser's sign-ins in progress).
     * A state that is not (a sign-in finished in another tab, an old link) is no dead end: a person
     * signed in goes on to where they were going; anyone else to the lost page. So does Cancel.
     */
    async callback(ctx: Context) {
      const pending = (ctx.cookies.get(STATE_COOKIE, { signed: true }) ?? '').split(' ').filter(Boolean);
      const { state = '', error } = checkInput(ctx, { query: callbackQuery }).query;
      const known = state !== '' && pending.includes(state);
      const rest = pending.filter((s) => s !== state);
      ctx.cookies.set(STATE_COOKIE, rest.length ? rest.join(' ') : null, { ...cookieOpts, maxAge: 3600e3 });
      ctx.status = 303;
      if (known && error) return ctx.redirect(error === 'access_denied' ? '/?reason=cancelled' : '/?reason=expired');
      const raw = ctx.cookies.get(RETURN_COOKIE, { signed: true });
      const back = raw ? (d.checkReturn ? await d.checkReturn(raw) : ownPage(raw)) : undefined;
      if (!known && !(await current(ctx))) return ctx.redirect('/?reason=expired');
      if (raw) ctx.cookies.set(RETURN_COOKIE, null, cookieOpts);
      ctx.redirect(back ?? '/account');
    },
  };
}
export type CurrentPerson = ReturnType<typeof createCurrentPerson>;
