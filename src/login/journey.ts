/**
 * The sign-in journey for one interaction (see DESIGN "The sign-in journey"):
 * identify → route → authenticate → gate → finish. Rules:
 * - the identify step answers the same for every well-formed email: it never reveals whether an
 *   account exists (only a verified company domain may change the next step — company ID issue);
 * - a wrong password and an unknown account get the same answer, after the same argon2 work;
 * - throttling is checked before the password is, and counts failures for unknown accounts too;
 * - nothing is finished (no session, no code) unless the policy gate says allow.
 */
import type { Context } from 'koa';
import type { AccountStore } from '../accounts/store.js';
import { normalizeEmail } from '../accounts/store.js';
import type { PasswordHasher } from '../accounts/passwords.js';
import { emailSchema } from '../accounts/users.js';
import type { Audit } from '../audit/index.js';
import type { Metrics } from '../http/metrics.js';
import type { Interactions, InteractionView } from '../oidc/interactions.js';
import type { Gate } from './gate.js';
import type { LoginStore } from './store.js';
import type { Throttle } from './throttle.js';

export interface JourneyState { email?: string }

export type PasswordOutcome =
  | { kind: 'finished'; userId: string }
  | { kind: 'wrong' }
  | { kind: 'throttled'; seconds: number }
  | { kind: 'denied'; reason: string };

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
}

export function createJourney(d: JourneyDeps) {
  return {
    async state(uid: string): Promise<JourneyState> {
      return ((await d.store.loadJourney(uid)) ?? {}) as JourneyState;
    },

    /** Returns false when the email is not well-formed (the page asks again). */
    async identify(uid: string, email: string): Promise<boolean> {
      const parsed = emailSchema.safeParse(String(email ?? '').trim());
      if (!parsed.success) return false;
      await d.store.saveJourney(uid, { email: parsed.data }, d.ttlSeconds);
      return true;
    },

    async restart(uid: string) {
      await d.store.deleteJourney(uid);
    },

    async password(ctx: Context, view: InteractionView, input: { password: string; remember: boolean; knownDevice: (userId: string) => boolean }): Promise<PasswordOutcome> {
      const { email } = await this.state(view.uid);
      if (!email) return { kind: 'wrong' };
      const emailNorm = normalizeEmail(email);
      const user = await d.accounts.findUserByEmail(email);
      const subject = { emailNorm, ip: ctx.ip, knownDevice: user ? input.knownDevice(user.id) : false };
      const wait = await d.throttle.retryAfter(subject);
      if (wait > 0) {
        d.metrics.login('password', 'throttled');
        await d.audit.record(ctx, { type: 'login.throttled', outcome: 'failure', userId: user?.id, clientId: view.clientId, data: { retryAfter: wait } });
        return { kind: 'throttled', seconds: wait };
      }
      const hash = user ? await d.accounts.passwordHash(user.id) : undefined;
      const { ok, rehash } = await d.hasher.verify(hash, String(input.password ?? ''));
      if (!ok || !user) {
        await d.throttle.failure(subject);
        d.metrics.login('password', 'failure');
        await d.audit.record(ctx, { type: 'login.password', outcome: 'failure', userId: user?.id, clientId: view.clientId, data: { reason: user ? 'wrong_password' : 'unknown_account' } });
        return { kind: 'wrong' };
      }
      await d.throttle.success(subject);
      if (rehash) await d.accounts.setPasswordHash(user.id, await d.hasher.hash(input.password));

      const decision = await d.gate.evaluate({ user, amr: ['pwd'], method: 'pwd' }, { clientId: view.clientId, acrValues: view.params.acr_values?.split(' ') });
      if (decision.kind === 'deny') {
        d.metrics.login('password', 'denied');
        await d.audit.record(ctx, { type: 'login.denied', outcome: 'failure', userId: user.id, clientId: view.clientId, data: { reason: decision.reason } });
        return { kind: 'denied', reason: decision.reason };
      }
      await d.store.deleteJourney(view.uid);
      d.metrics.login('password', 'success');
      await d.audit.record(ctx, { type: 'login.password', outcome: 'success', userId: user.id, clientId: view.clientId, data: { remember: input.remember } });
      await d.interactions.finishLogin(ctx, { accountId: user.id, remember: input.remember, amr: decision.amr, acr: decision.acr });
      return { kind: 'finished', userId: user.id };
    },
  };
}
export type Journey = ReturnType<typeof createJourney>;
