/**
 * Who is signed in on this browser, for Wayfinder's own pages (My account). Without a session the
 * browser goes through the ordinary sign-in journey as Wayfinder's first-party app
 * `wayfinder-account` (authorization code + PKCE), so it passes the same policy gate as any app.
 * Each visit extends a "stay signed in" session (sliding lifetime).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import { AppError } from '../lib/errors.js';
import { ACR } from '../login/gate.js';
import type { SessionPolicy } from '../login/session-policy.js';
import type { SessionAge } from '../orgs/session-lengths.js';
import type { Sessions } from '../oidc/sessions.js';
import type { AccountStore, User } from './store.js';

export const ACCOUNT_CLIENT_ID = 'wayfinder-account';
const STATE_COOKIE = 'wf_account_state';
/** Where the return from a step-up goes: one of our own page paths, never another origin. */
const RETURN_COOKIE = 'wf_account_return';
const ownPage = (path: string | undefined) =>
  path && /^\/(account|admin)(\/[A-Za-z0-9/_-]*)?(\?[A-Za-z0-9=&_.%-]*)?$/.test(path) ? path : undefined;

export interface CurrentPersonDeps {
  issuer: string;
  secure: boolean;
  rememberDays: number;
  sessions: Sessions;
  accounts: AccountStore;
  /** Whether the session meets today's policy (login/session-policy.ts); when not, My account signs in again through the journey. */
  meetsPolicy?: SessionPolicy;
  /** Whether the session is older than the person's organizations allow (orgs/session-lengths.ts): then a full sign-in. */
  tooOld?: SessionAge;
}
export type SignedIn = { session: NonNullable<Awaited<ReturnType<Sessions['current']>>>; user: User };

export function createCurrentPerson(d: CurrentPersonDeps) {
  const cookieOpts = { signed: true, httpOnly: true, sameSite: 'lax' as const, secure: d.secure, overwrite: true };

  function startSignIn(ctx: Context, extra: Record<string, string> = {}) {
    const state = randomBytes(16).toString('base64url');
    const verifier = randomBytes(32).toString('base64url');
    ctx.cookies.set(STATE_COOKIE, state, { ...cookieOpts, maxAge: 3600e3 });
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

  return {
    /** The signed-in person, or undefined after redirecting a GET to sign-in (other methods: 401). */
    async signedIn(ctx: Context): Promise<SignedIn | undefined> {
      const session = await d.sessions.current(ctx);
      const user = session ? await d.accounts.findUser(session.accountId!) : undefined;
      const meets = async (s: NonNullable<typeof session>, userId: string) =>
        !(d.tooOld && (await d.tooOld({ accountId: userId, loginTs: s.loginTs, transient: s.transient }))) &&
        (!d.meetsPolicy || d.meetsPolicy(ctx, { accountId: userId, loginTs: s.loginTs, amr: s.amr, acr: s.acr }, ACCOUNT_CLIENT_ID));
      if (!session || !user || user.status !== 'active' || !(await meets(session, user.id))) {
        if (ctx.method !== 'GET') throw new AppError('login_required', 401, 'sign in again to continue');
        startSignIn(ctx);
        return undefined;
      }
      if (!session.transient) {
        const ttl = d.rememberDays * 86400;
        await session.save(ttl);
        ctx.cookies.set('wf_session', session.id, { ...cookieOpts, maxAge: ttl * 1000 });
      }
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
      startSignIn(ctx, { acr_values: ACR.mfa, ...opts.extra });
    },

    /** The return from sign-in: checks the state it sent. */
    callback(ctx: Context) {
      const expected = ctx.cookies.get(STATE_COOKIE, { signed: true });
      ctx.cookies.set(STATE_COOKIE, null, cookieOpts);
      if (!expected || ctx.query.state !== expected)
        throw new AppError('invalid_state', 400, 'this sign-in link is not valid here; open My account again');
      if (ctx.query.error) throw new AppError('access_denied', 403, String(ctx.query.error_description ?? ctx.query.error));
      const back = ownPage(ctx.cookies.get(RETURN_COOKIE, { signed: true }));
      if (back) ctx.cookies.set(RETURN_COOKIE, null, cookieOpts);
      ctx.redirect(back ?? '/account');
    },
  };
}
export type CurrentPerson = ReturnType<typeof createCurrentPerson>;
