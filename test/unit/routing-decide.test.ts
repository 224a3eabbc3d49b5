/** decide() over every state it answers (src/routing/index.ts holds the rules block these follow). */
import { decide, type InteractionState, type LostFlowState, type StartState } from '../../src/routing/decide.js';

const page = (over: Partial<InteractionState> = {}): InteractionState => ({
  at: 'interaction',
  prompt: 'login',
  journey: {},
  session: { wantsMore: false },
  hints: {},
  ...over,
});

describe('a sign-in page', () => {
  test.each<[string, Partial<InteractionState>, ReturnType<typeof decide>]>([
    [
      'consent comes first, whatever else is known',
      { prompt: 'consent', journey: { userId: 'u1', email: 'a@b.test' } },
      { kind: 'consent' },
    ],
    ['a first step passed: the factor pages', { journey: { userId: 'u1', email: 'a@b.test', realm: 'company' } }, { kind: 'factor' }],
    ['signed in and the app asks for more: a Continue that posts', { session: { accountId: 'u1', wantsMore: true } }, { kind: 'continue' }],
    [
      'signed in, nothing more asked: the email page (oidc-provider asks for a login)',
      { session: { accountId: 'u1', wantsMore: false } },
      { kind: 'email' },
    ],
    ['routed to a company', { journey: { realm: 'company', email: 'a@acme.test' } }, { kind: 'company' }],
    ['an address typed: the password page', { journey: { realm: 'password', email: 'a@b.test' } }, { kind: 'password', email: 'a@b.test' }],
    ['login_hint: discovery for it', { hints: { email: 'a@b.test', domain: 'acme.test' } }, { kind: 'discover', email: 'a@b.test' }],
    ['domain_hint alone: discovery for the domain', { hints: { domain: 'acme.test' } }, { kind: 'discover', domain: 'acme.test' }],
    ['nothing known: the email page', {}, { kind: 'email' }],
    [
      'the journey beats the hints',
      { journey: { email: 'typed@b.test' }, hints: { email: 'hint@b.test' } },
      { kind: 'password', email: 'typed@b.test' },
    ],
  ])('%s', (_name, over, expected) => {
    expect(decide(page(over))).toEqual(expected);
  });
});

describe('a flow that cannot go on', () => {
  const params = { client_id: 'app', redirect_uri: 'https://app.test/cb', state: 's' };
  const lost = (over: Partial<LostFlowState>): LostFlowState => ({ at: 'lost-flow', method: 'GET', signedIn: false, ...over });
  test.each<[string, Partial<LostFlowState>, ReturnType<typeof decide>]>([
    [
      'known and unfinished, on a GET: the request starts again',
      { request: { params, finished: false, clientId: 'app' } },
      { kind: 'restart', params },
    ],
    [
      'known and unfinished, on a POST: one "took too long" step',
      { method: 'POST', request: { params, finished: false, clientId: 'app' } },
      { kind: 'took-too-long', params },
    ],
    [
      'finished (Back after signing in) with a launch URL: the app starts its own',
      { signedIn: true, request: { params, finished: true, clientId: 'app' }, launchUrl: 'https://app.test/login' },
      { kind: 'destination', url: 'https://app.test/login' },
    ],
    [
      'finished, no launch URL: the lost page',
      { signedIn: true, request: { params, finished: true, clientId: 'app' } },
      { kind: 'lost', reason: 'expired' },
    ],
    ['nothing known: the lost page', {}, { kind: 'lost', reason: 'expired' }],
  ])('%s', (_name, over, expected) => {
    expect(decide(lost(over))).toEqual(expected);
  });
});

describe('a page opened directly', () => {
  const start = (over: Partial<StartState>): StartState => ({ at: 'start', page: 'root', signedIn: false, ...over });
  test.each<[string, Partial<StartState>, ReturnType<typeof decide>]>([
    [
      'a refused return_to: the lost page, flagged',
      { signedIn: true, returnTo: { ok: false } },
      { kind: 'lost', reason: 'refused_destination', refused: true },
    ],
    [
      'a refused return_to, signed out: the lost page too',
      { page: 'sign-in', returnTo: { ok: false } },
      { kind: 'lost', reason: 'refused_destination', refused: true },
    ],
    [
      'signed in with an allowed return_to: go there',
      { signedIn: true, returnTo: { ok: true, url: 'https://app.test/' } },
      { kind: 'destination', url: 'https://app.test/' },
    ],
    ['signed in at /: the lost page with their apps', { signedIn: true }, { kind: 'lost', reason: 'unknown_destination' }],
    [
      'signed in at /sign-in: the lost page too (no second password)',
      { page: 'sign-in', signedIn: true },
      { kind: 'lost', reason: 'unknown_destination' },
    ],
    ['signed out at /sign-in: sign in, then back to the lost page', { page: 'sign-in' }, { kind: 'sign-in', returnTo: '/' }],
    [
      'signed out with an allowed return_to: sign in, then there',
      { returnTo: { ok: true, url: '/account' } },
      { kind: 'sign-in', returnTo: '/account' },
    ],
    ['signed out at /: the lost page offering sign-in', {}, { kind: 'lost', reason: 'unknown_destination' }],
  ])('%s', (_name, over, expected) => {
    expect(decide(start(over))).toEqual(expected);
  });
});

describe('after a step that may conclude', () => {
  test.each<[string, 'finished' | 'second_factor' | 'wrong' | 'throttled' | 'denied', ReturnType<typeof decide>]>([
    ['concluded: the response already goes to the app', 'finished', { kind: 'done' }],
    ['a factor asked: the factor pages', 'second_factor', { kind: 'factor' }],
    ['wrong: the step says why', 'wrong', { kind: 'refused' }],
    ['throttled: the step says why', 'throttled', { kind: 'refused' }],
    ['denied: the step says why', 'denied', { kind: 'refused' }],
  ])('%s', (_name, kind, expected) => {
    expect(decide({ at: 'outcome', outcome: { kind } })).toEqual(expected);
  });
});
