/**
 * The single policy gate. Every way in (password, company ID, social, passkey, device code, SAML)
 * ends here before anything is issued: no session, code or assertion exists unless `evaluate`
 * returned `allow`. Rules are evaluated in order; the first that objects decides. Later features add
 * rules (SSO-only, two-step verification) to the list given to createGate, not beside it.
 */
import type { User } from '../accounts/store.js';

export const ACR = { password: 'urn:wayfinder:acr:pwd', mfa: 'urn:wayfinder:acr:mfa' } as const;

export interface Authentication {
  user: User;
  /** RFC 8176 methods used so far in this sign-in, e.g. ['pwd']. */
  amr: string[];
  method: 'pwd' | 'sso' | 'social' | 'passkey';
  /** Second factors passed in this sign-in, with their assurance. */
  factors: Array<{ kind: string; assurance: 'low' | 'high' }>;
  /** Company sign-in (method 'sso'): the connection used and how its upstream MFA counts. */
  connection?: UpstreamConnection;
  /** Social sign-in (method 'social'): the social connection used (connectors/social/rule.ts). */
  social?: { id: string };
}

export interface UpstreamConnection {
  id: string;
  orgId: string;
  /** trust: the IdP's MFA counts as a second factor; require: ours is always asked; none: neither. */
  mfaTrust: 'trust' | 'require' | 'none';
  /** The IdP said it performed multi-factor authentication (amr / AuthnContextClassRef). */
  upstreamMfa: boolean;
}

export interface GateContext {
  clientId?: string;
  acrValues?: string[];
  /** This browser carries a valid "don't ask again" cookie for the person. */
  trustedDevice?: boolean;
  /** A signed-in session asks for more (step-up): rules about how a session may begin already applied. */
  stepUp?: boolean;
  /**
   * Why earlier rules demand a second factor of high assurance whatever the two-step policy says
   * (e.g. 'break_glass', 'connection'); the two-step rule honours them, trusted device or not.
   * createGate starts each evaluation with an empty list.
   */
  demands?: string[];
  /**
   * The organizations the person belongs to, once a rule of this evaluation has read them (the
   * SSO-only rule); later rules may rely on it instead of asking again. Unset: not read yet.
   * createGate starts each evaluation without it.
   */
  memberOf?: string[];
}

export type GateDecision =
  | { kind: 'allow'; amr: string[]; acr: string; demands?: string[] }
  | { kind: 'deny'; reason: string }
  /** A second factor must pass first: `enrol` names the method to set up when the person has none usable. */
  | { kind: 'second_factor'; methods: string[]; enrol?: string; reenrol: boolean; minAssurance: 'low' | 'high'; trustDays: number };

export interface GateRule {
  name: string;
  check(auth: Authentication, gctx: GateContext): Promise<GateDecision | undefined>;
}

/** The account must be active: unverified sign-ups, pending invitations and disabled accounts stop here. */
export const accountActiveRule: GateRule = {
  name: 'account-active',
  async check({ user }) {
    if (user.status === 'active') return undefined;
    const reason = { pending: 'login.email_unverified', invited: 'login.invitation_pending', disabled: 'login.account_disabled' }[
      user.status
    ];
    return { kind: 'deny', reason };
  },
};

export function createGate(rules: GateRule[]) {
  return {
    async evaluate(auth: Authentication, given: GateContext): Promise<GateDecision> {
      const gctx: GateContext = { ...given, demands: [] };
      delete gctx.memberOf;
      for (const rule of rules) {
        const decision = await rule.check(auth, gctx);
        if (decision) return decision;
      }
      const demands = gctx.demands!.length ? { demands: gctx.demands } : {};
      const multi = auth.factors.length > 0 || new Set(auth.amr.filter((m) => m !== 'mfa')).size > 1;
      // amr says what happened ('mfa': more than one factor); acr says what it is worth. A sign-in whose
      // only second factor is low assurance (SMS) cannot satisfy a step-up to ACR.mfa, so it never claims it.
      const weakOnly = auth.factors.length > 0 && auth.factors.every((f) => f.assurance === 'low');
      return { kind: 'allow', amr: multi ? [...auth.amr, 'mfa'] : auth.amr, acr: multi && !weakOnly ? ACR.mfa : ACR.password, ...demands };
    },
  };
}
export type Gate = ReturnType<typeof createGate>;
