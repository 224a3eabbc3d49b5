/** The sign-in journey's state, outcomes and dependencies (journey.ts holds the rules). */
import type { Context } from 'koa';
import type { AccountStore } from '../accounts/store.js';
import type { PasswordHasher } from '../accounts/passwords.js';
import type { Audit } from '../audit/index.js';
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
/**
 * The request asks for a second factor passed recently (`acr_values` of the multi-factor class with a
 * `max_age` the session's sign-in is older than: the admin center's 15 minutes): the session's earlier
 * factor does not count, the step-up asks for one again.
 */
export function wantsFreshFactor(view: Pick<InteractionView, 'reasons' | 'params'>): boolean {
  return (
    view.reasons.includes('max_age') &&
    String(view.params.acr_values ?? '')
      .split(' ')
      .includes(ACR.mfa)
  );
}

export function sessionFactors(view: Pick<InteractionView, 'sessionAmr' | 'sessionAcr'>): Authentication['factors'] {
  if (!view.sessionAmr?.includes('mfa')) return [];
  return [{ kind: 'session', assurance: view.sessionAcr === ACR.mfa ? 'high' : 'low' }];
}
