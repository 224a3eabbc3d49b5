/**
 * Signing in with email and password, end to end: openid-client as the app, our pages posted the way
 * a browser without JavaScript posts them. Covers the consent page of third-party apps, login_hint,
 * and that neither the email step nor the password step reveals whether an account exists.
 */
import { PageClient } from '../helpers/browser.js';
import { REDIRECT_URI } from '../helpers/rp.js';
import {
  addApp,
  addUser,
  auditTypes,
  authorize,
  comparable,
  enterCredentials,
  PASSWORD,
  pageText,
  redeem,
  startWithMail,
  uniqueEmail,
  type Harness,
} from '../helpers/sign-in.js';

let h: Harness;
let firstParty: Awaited<ReturnType<typeof addApp>>;
let thirdParty: Awaited<ReturnType<typeof addApp>>;
const ALICE = uniqueEmail('alice');
let aliceId: string;

beforeAll(async () => {
  h = await startWithMail();
  aliceId = (await addUser(h.server, ALICE)).id;
  firstParty = await addApp(h.server, 'reports');
  thirdParty = await addApp(h.server, 'partner-app', { firstParty: false, name: 'Partner App' });
});
afterAll(() => h?.close());

test('a first-party app: email page, then password page, then back to the app with tokens and no consent page', async () => {
  const page = new PageClient(h.server.url);
  const a = await authorize(firstParty, page);
  expect(a.url).toContain('/interaction/');
  expect(page.title()).toBe('Sign in');
  await page.post(`/interaction/${a.uid}/identify`, { email: ALICE });
  expect(page.title()).toBe('Enter your password');
  expect(page.last.body).toContain(ALICE);
  const back = await page.post(`/interaction/${a.uid}/password`, { password: PASSWORD });
  expect(back.startsWith(REDIRECT_URI)).toBe(true);
  const tokens = await redeem(firstParty, back, a);
  expect(tokens.claims()!.sub).toBe(aliceId);
  expect(tokens.claims()!.amr).toEqual(['pwd']);
});

test('a third-party app shows the consent page; Allow returns to the app with tokens', async () => {
  const page = new PageClient(h.server.url);
  const a = await authorize(thirdParty, page);
  const consent = await enterCredentials(page, a, ALICE, PASSWORD);
  expect(consent).toContain('/interaction/');
  expect(page.last.status).toBe(200);
  expect(page.title()).toBe('Allow Partner App to access your account?');
  expect(pageText(page.last.body)).toEqual(expect.stringContaining('See your email address'));
  // Nothing reached the app before the person decided.
  const uid = /\/interaction\/([^/?#]+)/.exec(consent)![1];
  const back = await page.post(`/interaction/${uid}/consent`, { decision: 'allow' });
  const tokens = await redeem(thirdParty, back, a);
  expect(tokens.claims()!.sub).toBe(aliceId);
  expect(tokens.scope?.split(' ')).toEqual(expect.arrayContaining(['openid', 'email', 'profile']));
});

test('a third-party app: Deny sends access_denied to the redirect_uri, with the state, and no code', async () => {
  const bob = uniqueEmail('bob');
  await addUser(h.server, bob);
  const page = new PageClient(h.server.url);
  const a = await authorize(thirdParty, page);
  const consent = await enterCredentials(page, a, bob, PASSWORD);
  expect(page.title()).toBe('Allow Partner App to access your account?');
  const uid = /\/interaction\/([^/?#]+)/.exec(consent)![1];
  const back = new URL(await page.post(`/interaction/${uid}/consent`, { decision: 'deny' }));
  expect(`${back.origin}${back.pathname}`).toBe(REDIRECT_URI);
  expect(back.searchParams.get('error')).toBe('access_denied');
  expect(back.searchParams.get('state')).toBe(a.state);
  expect(back.searchParams.get('code')).toBeNull();
});

test('login_hint skips the email page and goes straight to the password page for that address', async () => {
  const page = new PageClient(h.server.url);
  const a = await authorize(firstParty, page, { login_hint: ALICE });
  expect(page.title()).toBe('Enter your password');
  expect(page.last.body).not.toContain('name="email"');
  expect(page.last.body).toContain(ALICE);
  const back = await page.post(`/interaction/${a.uid}/password`, { password: PASSWORD });
  expect((await redeem(firstParty, back, a)).claims()!.sub).toBe(aliceId);
});

test('a malformed login_hint is ignored: the email page is shown', async () => {
  const page = new PageClient(h.server.url);
  await authorize(firstParty, page, { login_hint: 'not an email' });
  expect(page.title()).toBe('Sign in');
  expect(page.last.body).toContain('name="email"');
});

describe('no account enumeration', () => {
  /** Posts the email step and returns the redirect status and the page it leads to. */
  async function identify(email: string) {
    const page = new PageClient(h.server.url);
    const a = await authorize(firstParty, page);
    const form = new URLSearchParams({ email, csrf: page.csrf() });
    const res = await page.request(`/interaction/${a.uid}/identify`, {
      method: 'POST',
      body: form,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    const redirect = { status: res.status, location: comparable(page.last.location ?? '') };
    await page.get(page.last.location!);
    return { redirect, status: page.last.status, page: comparable(page.last.body, { [email]: 'EMAIL' }) };
  }

  test('the email step answers a known and an unknown address with the same status and the same page', async () => {
    const known = await identify(ALICE);
    const unknown = await identify(uniqueEmail('nobody'));
    expect(known.redirect.status).toBe(303);
    expect(unknown.redirect).toEqual(known.redirect);
    expect(unknown.status).toBe(known.status);
    expect(unknown.page).toBe(known.page);
    expect(known.page).toContain('Enter your password');
  });

  test('a wrong password for a known account and any password for an unknown account get the same status and page', async () => {
    async function attempt(email: string, password: string) {
      const page = new PageClient(h.server.url);
      const a = await authorize(firstParty, page);
      await enterCredentials(page, a, email, password);
      return {
        status: page.last.status,
        retryAfter: page.last.headers.get('retry-after'),
        text: pageText(comparable(page.last.body, { [email]: 'EMAIL' })),
      };
    }
    const unknownEmail = uniqueEmail('ghost');
    const known = await attempt(ALICE, 'not the right password');
    const unknown = await attempt(unknownEmail, PASSWORD);
    expect(known.status).toBe(400);
    expect(unknown).toEqual(known);
    expect(known.text).toContain("That email and password don't match");

    // The audit log tells them apart for the administrator (never the person signing in).
    const failures = (await auditTypes(h.server, { type: 'login.password' })).filter((e) => e.outcome === 'failure');
    expect(failures.map((e) => (e.data as { reason?: string }).reason)).toEqual(
      expect.arrayContaining(['wrong_password', 'unknown_account']),
    );
  });
});

test('a password sign-in audits login.password (success) then login.success, with the same request fields (regression)', async () => {
  const email = uniqueEmail('carol');
  const carol = await addUser(h.server, email);
  const page = new PageClient(h.server.url, { 'user-agent': 'audit-check/1.0' });
  const a = await authorize(firstParty, page);
  expect((await enterCredentials(page, a, email, PASSWORD)).startsWith(REDIRECT_URI)).toBe(true);

  const events = (await auditTypes(h.server, { userId: carol.id })).reverse(); // oldest first
  expect(events.map((e) => [e.type, e.outcome])).toEqual([
    ['login.password', 'success'],
    ['login.success', 'success'],
  ]);
  for (const e of events) {
    expect(e).toEqual(
      expect.objectContaining({
        client_id: 'reports',
        ip: expect.any(String),
        user_agent: 'audit-check/1.0',
        request_id: expect.any(String),
      }),
    );
  }
  expect(events[0].request_id).toBe(events[1].request_id);
  expect(events[0].data).toEqual({});
  expect(events[1].data).toEqual({ amr: ['pwd'], remember: false });
});

test('a wrong password shows the password page again for the address entered (regression)', async () => {
  const page = new PageClient(h.server.url);
  const a = await authorize(firstParty, page);
  await enterCredentials(page, a, ALICE, 'not it');
  expect(page.last.status).toBe(400);
  expect(page.title()).toBe('Enter your password');
  expect(page.last.body).toContain(ALICE);
});
