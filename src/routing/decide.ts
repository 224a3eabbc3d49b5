/**
 * "What next?" as a pure function: the route files gather the state (one read each), call decide(),
 * and turn the answer into a page or a redirect (respond.ts). Nothing here reads a database, a
 * cookie or a clock. The order of precedence is the rules block of ./index.ts.
 */

/** The sign-in page of one interaction (GET /interaction/:uid). */
export interface InteractionState {
  at: 'interaction';
  prompt: string;
  /** What the journey of this interaction has already settled. */
  journey: { userId?: string; realm?: 'password' | 'company'; email?: string };
  /** The browser's session: signed in, and whether the app asks for more than it has (step-up). */
  session: { accountId?: string; wantsMore: boolean };
  /** The app's hints: a well-formed `login_hint` address and a `domain_hint`. */
  hints: { email?: string; domain?: string };
}

/** A flow that can no longer go on: an expired, unknown, reused or foreign interaction or state. */
export interface LostFlowState {
  at: 'lost-flow';
  method: string;
  signedIn: boolean;
  /**
   * The original authorization request when it is known (the resume cookie, or the interaction
   * itself), and whether its sign-in had already finished (Back after signing in).
   */
  request?: { params: Record<string, string>; finished: boolean; clientId: string };
  /** Where the app starts a sign-in of its own (its launch URL), when it registered one. */
  launchUrl?: string;
  /**
   * An upstream (company or social IdP) answered after its state expired, for an interaction of
   * this browser that still lives: its uid. Only its upstream step is lost.
   */
  liveInteraction?: string;
}

/** A page people open directly: the start page `/`, or `/sign-in` with or without `return_to`. */
export interface StartState {
  at: 'start';
  /** `/` shows the lost page (with a sign-in offer when signed out); `/sign-in` signs in. */
  page: 'root' | 'sign-in';
  signedIn: boolean;
  /** The checked `return_to`: absent, an allowed destination, or refused. */
  returnTo?: { ok: true; url: string } | { ok: false };
}

/** After a step that may conclude (password, second factor, company or social answer, passkey). */
export interface OutcomeState {
  at: 'outcome';
  outcome: { kind: 'finished' | 'second_factor' | 'wrong' | 'throttled' | 'denied' };
}

export type RoutingState = InteractionState | LostFlowState | StartState | OutcomeState;

export type LostReason = 'unknown_destination' | 'expired' | 'refused_destination' | 'cancelled';

export type Next =
  | { kind: 'consent' }
  | { kind: 'factor' }
  /** Step-up: the session is there; only a POST may conclude it (a "Continue" that posts itself). */
  | { kind: 'continue' }
  | { kind: 'company' }
  | { kind: 'password'; email: string }
  /** Home realm discovery for the app's `login_hint` (or its `domain_hint`), then decide again. */
  | { kind: 'discover'; email?: string; domain?: string }
  | { kind: 'email' }
  /** Start the original authorization request again (keeps the app's state, nonce and PKCE). */
  | { kind: 'restart'; params: Record<string, string> }
  /** The same, after one "your sign-in took too long — continue" step (a POST's form is lost). */
  | { kind: 'took-too-long'; params: Record<string, string> }
  /** Back to an interaction's own first page, which routes again (e.g. to the company IdP). */
  | { kind: 'again'; uid: string }
  | { kind: 'destination'; url: string }
  | { kind: 'sign-in'; returnTo: string }
  | { kind: 'lost'; reason: LostReason; refused?: boolean }
  /** The sign-in concluded: the response already carries the browser back to the app. */
  | { kind: 'done' }
  /** The step was refused (wrong, throttled, denied): the step's own page says why and what to do. */
  | { kind: 'refused' };

export function decide(state: RoutingState): Next {
  switch (state.at) {
    case 'interaction':
      return interaction(state);
    case 'lost-flow':
      return lostFlow(state);
    case 'start':
      return start(state);
    case 'outcome':
      return outcome(state);
  }
}

function interaction(s: InteractionState): Next {
  if (s.prompt === 'consent') return { kind: 'consent' };
  if (s.journey.userId) return { kind: 'factor' };
  if (s.session.accountId && s.session.wantsMore) return { kind: 'continue' };
  if (s.journey.realm === 'company') return { kind: 'company' };
  if (s.journey.email) return { kind: 'password', email: s.journey.email };
  if (s.hints.email) return { kind: 'discover', email: s.hints.email };
  if (s.hints.domain) return { kind: 'discover', domain: s.hints.domain };
  return { kind: 'email' };
}

function lostFlow(s: LostFlowState): Next {
  if (s.liveInteraction) return { kind: 'again', uid: s.liveInteraction };
  const r = s.request;
  if (r && !r.finished) return s.method === 'GET' ? { kind: 'restart', params: r.params } : { kind: 'took-too-long', params: r.params };
  // Finished (Back after signing in): the app's own start, which begins a sign-in with a new state.
  if (r && s.launchUrl) return { kind: 'destination', url: s.launchUrl };
  return { kind: 'lost', reason: 'expired' };
}

function outcome(s: OutcomeState): Next {
  if (s.outcome.kind === 'finished') return { kind: 'done' };
  if (s.outcome.kind === 'second_factor') return { kind: 'factor' };
  return { kind: 'refused' };
}

function start(s: StartState): Next {
  if (s.returnTo && !s.returnTo.ok) return { kind: 'lost', reason: 'refused_destination', refused: true };
  if (s.signedIn) return s.returnTo?.ok ? { kind: 'destination', url: s.returnTo.url } : { kind: 'lost', reason: 'unknown_destination' };
  if (s.returnTo?.ok || s.page === 'sign-in') return { kind: 'sign-in', returnTo: s.returnTo?.ok ? s.returnTo.url : '/' };
  return { kind: 'lost', reason: 'unknown_destination' };
}
