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
import type { AccountStore, User } from '../accounts/store.js';
import { normalizeEmail } from '../accounts/store.js';
import type { PasswordHasher } from '../accounts/passwords.js';
import { emailSchema } from '../accounts/users.js';
import type { Audit, AuditEvent } from '../audit/index.js';
import type { Metrics } from '../http/metrics.js';
import type { Interactions, InteractionView } from '../oidc/interactions.js';
import type { Realm } from '../orgs/discovery.js';
import { ACR, type Authentication, type Gate, type GateDecision, type UpstreamConnection } from './gate.js';
import type { LoginStore } from './store.js';
import type { Throttle } from './throttle.js';

export interface JourneyState {
  email?: string;
  /** Set once a first step (password, company ID…) has authenticated the person. */
  userId?: string;
  method?: Authentication['method'];
  amr?: string[];
  factors?: Authentication['factors'];
  remember?: boolean;
  /** Recovery codes issued during this sign-in, shown once. */
  recoveryCodes?: string[];
  /** The challenge of a passkey sign-in offered on the email page (single use, short-lived). */
  passkeyChallenge?: { value: string; expiresAt: number };
  /** Where the identify step routed this sign-in (home realm discovery): password, or a company's sign-in. */
  realm?: Realm;
  /** A company sign-in: the connection used (the gate reads it). */
  sso?: UpstreamConnection;
  /** A social sign-in: the social connection used (the gate reads it). */
  social?: { id: string };
  /** This sign-in continues a signed-in session asking for more (step-up), not a new one. */
  stepUp?: boolean;
}

export type Outcome =
  | { kind: 'finished'; userId: string }
  | { kind: 'second_factor'; decision: Extract<GateDecision, { kind: 'second_factor' }> }
  | { kind: 'wrong' }
  | { kind: 'throttled'; seconds: number }
  | { kind: 'denied'; reason: string };

/** The password step's outcome, with the address the sign-in is for ('' when none was entered). */
export type PasswordOutcome = Outcome & { email: string };

export interface JourneyDeps {
  store: LoginStore;
  accounts: AccountStore;
  hasher: PasswordHasher;
  throttle: Throttle;
  gate: Gate;
  audit: Audit;
  metrics: Metrics;
  interactions: Interactions;
  ttlSeconds: number;
  isTrustedDevice: (ctx: Context, userId: string) => Promise<boolean>;
  /** Home realm discovery: the routing decision for an email address (never depends on whether an account exists). */
  discover: (email: string) => Promise<Realm>;
  /** Home realm discovery from a domain alone (`domain_hint`): a company realm, or undefined. */
  discoverDomain: (domain: string) => Promise<Realm | undefined>;
}

/**
 * The second factor the signed-in session already passed, as the gate counts it: its amr says one
 * passed ('mfa'), its acr what it was worth (ACR.mfa: high assurance; otherwise low, e.g. SMS).
 */
export function sessionFactors(view: Pick<InteractionView, 'sessionAmr' | 'sessionAcr'>): Authentication['factors'] {
  if (!view.sessionAmr?.includes('mfa')) return [];
  return [{ kind: 'session', assurance: view.sessionAcr === ACR.mfa ? 'high' : 'low' }];
}

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

  /**
   * Runs the policy gate for an authenticated person and finishes, waits for a factor, or refuses.
   * `earlier`: audit events of this request not yet written (the first step's success); they are
   * written with the conclusion's own in one statement, whatever the decision (alone when it asks for
   * a factor, and also when the gate fails).
   */
  async function conclude(ctx: Context, view: InteractionView, user: User, s: JourneyState, earlier: AuditEvent[] = []): Promise<Outcome> {
    let pending = earlier;
    const record = (...events: AuditEvent[]) => {
      const all = [...pending, ...events];
      pending = [];
      return d.audit.recordMany(ctx, all);
    };
    try {
      const method = s.method ?? 'pwd';
      const auth: Authentication = {
        user,
        amr: s.amr ?? [method],
        method,
        factors: s.factors ?? [],
        ...(s.sso ? { connection: s.sso } : {}),
        ...(s.social ? { social: s.social } : {}),
      };
      const decision = await d.gate.evaluate(auth, {
        clientId: view.clientId,
        acrValues: view.params.acr_values?.split(' '),
        trustedDevice: await d.isTrustedDevice(ctx, user.id),
        ...(s.stepUp ? { stepUp: true } : {}),
      });
      if (decision.kind === 'deny') {
        d.metrics.login(method, 'denied');
        await record({
          type: 'login.denied',
          outcome: 'failure',
          userId: user.id,
          clientId: view.clientId,
          data: { reason: decision.reason },
        });
        await d.store.deleteJourney(view.uid);
        return { kind: 'denied', reason: decision.reason };
      }
      if (decision.kind === 'second_factor') {
        await record();
        await save(view.uid, { ...s, userId: user.id, method, amr: auth.amr, factors: auth.factors });
        return { kind: 'second_factor', decision };
      }
      await d.store.deleteJourney(view.uid);
      d.metrics.login(method, 'success');
      await record(
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

  return {
    state,
    stateOf,
    save,
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

    /** A signed-in person asked for more (step-up): continue from their session, straight to the gate. */
    async stepUp(ctx: Context, view: InteractionView, amr: string[]): Promise<Outcome | undefined> {
      const user = view.sessionAccountId ? await d.accounts.findUser(view.sessionAccountId) : undefined;
      if (!user) return undefined;
      const s = await state(view.uid);
      const factors = s.factors ?? sessionFactors(view);
      const remember = s.remember ?? true;
      return conclude(ctx, view, user, { ...s, email: user.email, method: 'pwd', amr, factors, remember, stepUp: true });
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
