/**
 * The sign-in journey for one interaction (see DESIGN "The sign-in journey"):
 * identify → route → authenticate → gate → (second factor) → finish. Rules:
 * - the identify step answers the same for every well-formed email: it never reveals whether an
 *   account exists (only a verified company domain may change the next step — company ID issue);
 * - a wrong password and an unknown account get the same answer, after the same argon2 work;
 * - throttling is checked before the password is, and counts failures for unknown accounts too;
 * - nothing is finished (no session, no code) unless the policy gate says allow; when it asks for a
 *   second factor, the journey remembers who passed the first step and waits for the factor pages.
 */
import type { Context } from 'koa';
import type { User } from '../accounts/store.js';
import { normalizeEmail } from '../accounts/store.js';
import { emailSchema } from '../accounts/users.js';
import type { AuditEvent } from '../audit/index.js';
import type { InteractionView } from '../oidc/interactions.js';
import type { Realm } from '../orgs/discovery.js';
import type { Authentication, GateDecision } from './gate.js';
import {
  sessionFactors,
  wantsFreshFactor,
  type JourneyDeps,
  type JourneyState,
  type Outcome,
  type PasswordOutcome,
} from './journey-types.js';
export type { JourneyDeps, JourneyState, Outcome, PasswordOutcome } from './journey-types.js';
export { sessionFactors } from './journey-types.js';

export function createJourney(d: JourneyDeps) {
  async function state(uid: string): Promise<JourneyState> {
    return ((await d.store.loadJourney(uid)) ?? {}) as JourneyState;
  }
  /** The journey of a view: the state read with its interaction when there is one (one statement less). */
  async function stateOf(view: Pick<InteractionView, 'uid' | 'journey'>): Promise<JourneyState> {
    if (view.journey !== undefined) return (view.journey ?? {}) as JourneyState;
    return state(view.uid);
  }
  const save = (uid: string, s: JourneyState) => d.store.saveJourney(uid, s as Record<string, unknown>, d.ttlSeconds);

  function authOf(user: User, s: JourneyState): Authentication {
    const method = s.method ?? 'pwd';
    return {
      user,
      amr: s.amr ?? [method],
      method,
      factors: s.factors ?? [],
      ...(s.sso ? { connection: s.sso } : {}),
      ...(s.social ? { social: s.social } : {}),
    };
  }

  /** The policy gate's decision for an authenticated person: reads only (a GET may ask it). */
  async function decide(ctx: Context, view: InteractionView, user: User, s: JourneyState): Promise<GateDecision> {
    return d.gate.evaluate(authOf(user, s), {
      clientId: view.clientId,
      acrValues: view.params.acr_values?.split(' '),
      trustedDevice: await d.isTrustedDevice(ctx, user.id),
      ...(s.stepUp ? { stepUp: true } : {}),
    });
  }

  /**
   * Acts on a decision — the only place that ends a sign-in (the session, the grant, `login.success`)
   * or refuses one (`login.denied`). Only a POST or an upstream's callback (ctx.state.callback) may
   * call it: a GET that reaches a decision shows a "Continue" that posts (src/routing/).
   * `earlier`: audit events of this request not yet written (the first step's success); they are
   * written with the conclusion's own in one statement, whatever the decision (alone when it asks for
   * a factor, and also when the gate fails).
   */
  async function finish(
    ctx: Context,
    view: InteractionView,
    user: User,
    s: JourneyState,
    decision: GateDecision,
    earlier: AuditEvent[] = [],
  ): Promise<Outcome> {
    if (ctx.method === 'GET' && !ctx.state.callback) throw new Error('a GET never concludes a sign-in');
    let pending = earlier;
    const record = (...events: AuditEvent[]) => {
      const all = [...pending, ...events];
      pending = [];
      return d.audit.recordMany(ctx, all);
    };
    // The journey ends with the conclusion's audit events, in one statement (issue 18). Should that
    // fail, the journey is still deleted on its own (an audit failure never stops a sign-in), and a
    // journey that could not be deleted fails the request as before.
    let notEnded: unknown;
    const end = async (...events: AuditEvent[]) => {
      const all = [...pending, ...events];
      pending = [];
      await d.audit.recordMany(ctx, all, async (rows) => {
        try {
          await d.store.endJourney(view.uid, rows);
        } catch (err) {
          await d.store.deleteJourney(view.uid).catch((e: unknown) => void (notEnded = e));
          throw err;
        }
      });
      if (notEnded) throw notEnded;
    };
    try {
      const auth = authOf(user, s);
      const { method } = auth;
      if (decision.kind === 'deny') {
        d.metrics.login(method, 'denied');
        await end({
          type: 'login.denied',
          outcome: 'failure',
          userId: user.id,
          clientId: view.clientId,
          data: { reason: decision.reason },
        });
        return { kind: 'denied', reason: decision.reason };
      }
      if (decision.kind === 'second_factor') {
        await record();
        await save(view.uid, { ...s, userId: user.id, method, amr: auth.amr, factors: auth.factors });
        return { kind: 'second_factor', decision };
      }
      d.metrics.login(method, 'success');
      await end(
        ...(decision.demands?.includes('break_glass')
          ? [{ type: 'login.break_glass', outcome: 'info' as const, userId: user.id, clientId: view.clientId, data: { amr: decision.amr } }]
          : []),
        {
          type: 'login.success',
          outcome: 'success',
          userId: user.id,
          clientId: view.clientId,
          data: { amr: decision.amr, remember: !!s.remember },
        },
      );
      await d.interactions.finishLogin(ctx, { accountId: user.id, remember: !!s.remember, amr: decision.amr, acr: decision.acr });
      return { kind: 'finished', userId: user.id };
    } finally {
      if (pending.length) await d.audit.recordMany(ctx, pending);
    }
  }

  /** Decides and acts (POST or callback only: see finish). */
  async function conclude(ctx: Context, view: InteractionView, user: User, s: JourneyState, earlier: AuditEvent[] = []): Promise<Outcome> {
    let decision: GateDecision;
    try {
      decision = await decide(ctx, view, user, s);
    } catch (err) {
      if (earlier.length) await d.audit.recordMany(ctx, earlier);
      throw err;
    }
    return finish(ctx, view, user, s, decision, earlier);
  }

  async function checkPassword(
    ctx: Context,
    view: InteractionView,
    email: string,
    input: { password: string; remember: boolean; knownDevice: (userId: string) => boolean },
  ): Promise<Outcome> {
    // The person and their hash in one statement (the hash is used only once the throttle lets the attempt through).
    const found = await d.accounts.findUserWithPasswordByEmail(email);
    const user = found?.user;
    const subject = { emailNorm: normalizeEmail(email), ip: ctx.ip, knownDevice: user ? input.knownDevice(user.id) : false };
    const checked = await d.throttle.check(subject);
    if (checked.wait > 0) {
      d.metrics.login('pwd', 'throttled');
      await d.audit.record(ctx, {
        type: 'login.throttled',
        outcome: 'failure',
        userId: user?.id,
        clientId: view.clientId,
        data: { retryAfter: checked.wait },
      });
      return { kind: 'throttled', seconds: checked.wait };
    }
    const hash = found?.hash ?? undefined;
    const { ok, rehash } = await d.hasher.verify(hash, String(input.password ?? ''));
    if (!ok || !user) {
      await d.throttle.failure(subject);
      d.metrics.login('pwd', 'failure');
      await d.audit.record(ctx, {
        type: 'login.password',
        outcome: 'failure',
        userId: user?.id,
        clientId: view.clientId,
        data: { reason: user ? 'wrong_password' : 'unknown_account' },
      });
      return { kind: 'wrong' };
    }
    await d.throttle.success(subject, checked);
    if (rehash) await d.accounts.setPasswordHash(user.id, await d.hasher.hash(input.password));
    const passed: AuditEvent = { type: 'login.password', outcome: 'success', userId: user.id, clientId: view.clientId };
    return conclude(ctx, view, user, { email, method: 'pwd', amr: ['pwd'], factors: [], remember: input.remember }, [passed]);
  }

  /** The journey of a step-up: the session's person, continuing from what the session passed. */
  async function stepUpState(view: InteractionView, amr: string[]): Promise<{ user: User; s: JourneyState } | undefined> {
    const user = view.sessionAccountId ? await d.accounts.findUser(view.sessionAccountId) : undefined;
    if (!user) return undefined;
    const s = await stateOf(view);
    // A fresh factor asked for: the session keeps its first step (amr's first method), not its factor.
    const stale = !s.factors && wantsFreshFactor(view);
    const factors = s.factors ?? (stale ? [] : sessionFactors(view));
    const remember = s.remember ?? true;
    const passed = stale ? [amr.find((m) => m !== 'mfa') ?? 'pwd'] : amr;
    return { user, s: { ...s, email: user.email, method: 'pwd', amr: passed, factors, remember, stepUp: true } };
  }

  return {
    state,
    stateOf,
    save,
    decide,
    finish,
    conclude,

    /**
     * Remembers the email and decides the next step (home realm discovery): the password step, or
     * the company's sign-in. Returns false when the email is not well-formed (the page asks again).
     */
    async identify(uid: string, email: string): Promise<false | Realm> {
      const parsed = emailSchema.safeParse(String(email ?? '').trim());
      if (!parsed.success) return false;
      const realm = await d.discover(parsed.data);
      await save(uid, { email: parsed.data, realm });
      return realm;
    },

    /** `domain_hint`: a verified company domain routes the sign-in before any email is typed. */
    async hintDomain(uid: string, domain: string): Promise<Realm | undefined> {
      const realm = await d.discoverDomain(domain);
      if (realm) await save(uid, { ...(await state(uid)), realm });
      return realm;
    },

    /** "Use my company ID" / "I have my own email address": the person chose the next step. */
    async route(uid: string, realm: Realm, email?: string) {
      const s = await state(uid);
      await save(uid, { ...s, realm, ...(email !== undefined ? { email } : {}) });
    },

    async restart(uid: string) {
      await d.store.deleteJourney(uid);
    },

    /**
     * A signed-in person asked for more (step-up), on the page's GET: when the gate wants a factor,
     * the journey is saved for the factor pages ('factor'); any other decision needs the POST of a
     * "Continue" ('continue'), since a GET never concludes. Undefined: no such person.
     */
    async previewStepUp(ctx: Context, view: InteractionView, amr: string[]): Promise<'factor' | 'continue' | undefined> {
      const st = await stepUpState(view, amr);
      if (!st) return undefined;
      const decision = await decide(ctx, view, st.user, st.s);
      if (decision.kind !== 'second_factor') return 'continue';
      const auth = authOf(st.user, st.s);
      await save(view.uid, { ...st.s, userId: st.user.id, method: auth.method, amr: auth.amr, factors: auth.factors });
      return 'factor';
    },

    /** Step-up concluded (the "Continue" POST): from the session, straight to the gate. */
    async stepUp(ctx: Context, view: InteractionView, amr: string[]): Promise<Outcome | undefined> {
      const st = await stepUpState(view, amr);
      return st && conclude(ctx, view, st.user, st.s);
    },

    /**
     * The password step. The outcome carries the address the sign-in is for ('' when none was
     * entered), read with the journey once: a denial ends the journey, and the page still shows it.
     */
    async password(
      ctx: Context,
      view: InteractionView,
      input: { password: string; remember: boolean; knownDevice: (userId: string) => boolean },
    ): Promise<PasswordOutcome> {
      const s = await stateOf(view);
      if (!s.email) return { kind: 'wrong', email: '' };
      return { ...(await checkPassword(ctx, view, s.email, input)), email: s.email };
    },
  };
}
export type Journey = ReturnType<typeof createJourney>;
