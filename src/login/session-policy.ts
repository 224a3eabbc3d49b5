/**
 * A session must meet today's policy, not the one it was born under. Every authorization that
 * reuses a session (OIDC, SAML through /auth, prompt=none, My account) asks `meetsPolicy`:
 * - cheaply first: the person's policy stamp (when a policy that covers them last changed, or they
 *   joined an organization) against the session's login time; an unchanged stamp costs one query;
 * - when the stamp is newer, the policy gate runs again on what the session proved (its amr and acr;
 *   rules about how a session may begin are not re-run, as for a step-up). Only `allow` keeps the
 *   session as it is; anything else sends the authorization through the sign-in journey, which asks
 *   for what is now missing (a factor, an enrolment) and finishes through the same gate;
 * - a person who may not use the app that asks (apps/rule.ts) never reuses the session for it: the
 *   provider answers the app with access_denied (oidc/configuration.ts), a device code is refused.
 */
import type { Context } from 'koa';
import type { AccountStore } from '../accounts/store.js';
import type { Gate } from './gate.js';
import { sessionFactors } from './journey.js';

/** What a reused session says about its sign-in (oidc-provider's login record). */
export interface SessionLogin {
  accountId: string;
  loginTs?: number;
  amr?: string[];
  acr?: string;
}

export type SessionPolicy = ((ctx: Context, session: SessionLogin, clientId: string) => Promise<boolean>) & {
  /** Who may use the app (apps/rule.ts), for the provider to refuse a reused session with access_denied. */
  mayUseApp?: (userId: string, clientId: string) => Promise<boolean>;
};

export interface SessionPolicyDeps {
  accounts: AccountStore;
  gate: Gate;
  /** When a policy covering the person last changed (undefined: never). */
  policyStamp: (userId: string) => Promise<Date | undefined>;
  isTrustedDevice: (ctx: Context, userId: string) => Promise<boolean>;
  /** Whether the person may use the app of this client (who may use it, apps/rule.ts). */
  mayUseApp?: (userId: string, clientId: string) => Promise<boolean>;
}

export function createSessionPolicy(d: SessionPolicyDeps): SessionPolicy {
  const policy = async (ctx: Context, session: SessionLogin, clientId: string) => {
    if (d.mayUseApp && !(await d.mayUseApp(session.accountId, clientId))) return false;
    const stamp = await d.policyStamp(session.accountId);
    // loginTs has whole seconds: a change within the login's second counts as newer (checked again).
    if (!stamp || stamp.getTime() < (session.loginTs ?? 0) * 1000) return true;
    const user = await d.accounts.findUser(session.accountId);
    if (!user) return false;
    const amr = session.amr ?? ['pwd'];
    const decision = await d.gate.evaluate(
      { user, amr, method: 'pwd', factors: sessionFactors({ sessionAmr: amr, sessionAcr: session.acr }) },
      { clientId, trustedDevice: await d.isTrustedDevice(ctx, user.id), stepUp: true },
    );
    return decision.kind === 'allow';
  };
  return Object.assign(policy, { mayUseApp: d.mayUseApp });
}
