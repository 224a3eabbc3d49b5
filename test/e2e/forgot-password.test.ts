/**
 * Forgot / reset password end to end, mail through a real SMTP server: the same answer for known and
 * unknown addresses, a link that works once and expires, and "Sign out of all sessions" ending the
 * person's sessions and refresh tokens (and leaving them alone when unchecked).
 */
import { PageClient } from '../helpers/browser.js';
import {
  addApp,
  addUser,
  authorize,
  comparable,
  enterCredentials,
  NEW_PASSWORD,
  newMail,
  PASSWORD,
  redeem,
  sessionRows,
  signIn,
  startWithMail,
  uniqueEmail,
  type Harness,
} from '../helpers/sign-in.js';
import { oidc, REDIRECT_URI } from '../helpers/rp.js';

let h: Harness;
let app: Awaited<ReturnType<typeof addApp>>;

beforeAll(async () => {
  h = await startWithMail();
  app = await addApp(h.server, 'reports');
});
afterAll(() => h?.close());

async function requestReset(page: PageClient, email: string) {
  await page.get('/password/forgot');
  await page.post('/password/forgot', { email });
  return { status: page.last.status, body: page.last.body };
}

async function resetLink(email: string) {
  const mail = await newMail(h.sink, email, /Reset your password/, () => requestReset(new PageClient(h.server.url), email));
  return h.sink.linkIn(mail);
}

/** Opens the reset link and posts a new password; returns the page client. */
async function reset(link: string, password: string, signOutAll: boolean) {
  const page = new PageClient(h.server.url);
  await page.get(link);
  const token = new URL(link).searchParams.get('token')!;
  await page.post('/password/reset', { token, password, ...(signOutAll ? { sign_out_all: 'yes' } : {}) });
  return page;
}

test('known and unknown addresses get the identical "check your email" page; only the known one gets a mail', async () => {
  const known = uniqueEmail('known');
  await addUser(h.server, known);
  const unknown = uniqueEmail('unknown');
  const a = await requestReset(new PageClient(h.server.url), known);
  const b = await requestReset(new PageClient(h.server.url), unknown);
  expect(a.status).toBe(200);
  expect(b.status).toBe(a.status);
  expect(comparable(b.body, { [unknown]: 'EMAIL' })).toBe(comparable(a.body, { [known]: 'EMAIL' }));
  expect(a.body).toContain('Check your email');

  const mail = await h.sink.waitFor(known, /Reset your password/);
  expect(new URL(h.sink.linkIn(mail)).pathname).toBe('/password/reset');
  expect(h.sink.inbox.filter((m) => m.to.includes(unknown))).toEqual([]);
});

test('the reset link works once: the new password signs in, the old one no longer does, the link then gives a clear 400 page', async () => {
  const email = uniqueEmail('once');
  await addUser(h.server, email);
  const link = await resetLink(email);

  const page = await reset(link, NEW_PASSWORD, false);
  expect(page.last.status).toBe(200);
  expect(page.title()).toBe('Password changed');
  await h.sink.waitFor(email, /Your password was changed/);

  const rp = new PageClient(h.server.url);
  const a = await authorize(app, rp);
  await enterCredentials(rp, a, email, PASSWORD);
  expect(rp.last.status).toBe(400);
  const back = await rp.post(`/interaction/${a.uid}/password`, { password: NEW_PASSWORD });
  expect(back.startsWith(REDIRECT_URI)).toBe(true);

  const again = new PageClient(h.server.url);
  await again.get(link);
  expect(again.last.status).toBe(400);
  expect(again.title()).toBe("This link doesn't work any more");
  await page.get('/password/forgot');
  await page.post('/password/reset', { token: new URL(link).searchParams.get('token')!, password: 'yet another long password' });
  expect(page.last.status).toBe(400);
  expect(page.title()).toBe("This link doesn't work any more");
});

test('an expired reset link gives the clear "link doesn\'t work" page, not the form and not an error', async () => {
  const email = uniqueEmail('late');
  const user = await addUser(h.server, email);
  const link = await resetLink(email);
  await h.server.testDb.database.db
    .updateTable('action_tokens')
    .set({ expires_at: new Date(Date.now() - 60e3) })
    .where('user_id', '=', user.id)
    .where('purpose', '=', 'reset_password')
    .execute();

  const page = new PageClient(h.server.url);
  await page.get(link);
  expect(page.last.status).toBe(400);
  expect(page.title()).toBe("This link doesn't work any more");
  expect(page.last.body).toContain('The link has expired or has already been used');
  await page.get('/password/forgot');
  await page.post('/password/reset', { token: new URL(link).searchParams.get('token')!, password: NEW_PASSWORD, sign_out_all: 'yes' });
  expect(page.last.status).toBe(400);
  expect(await h.server.services.users.hasPassword(user.id, PASSWORD)).toBe(true);
});

test('a newer reset link retires the previous one', async () => {
  const email = uniqueEmail('newer');
  await addUser(h.server, email);
  const first = await resetLink(email);
  const second = await resetLink(email);
  expect(second).not.toBe(first);
  const page = new PageClient(h.server.url);
  await page.get(first);
  expect(page.last.status).toBe(400);
  await page.get(second);
  expect(page.last.status).toBe(200);
});

describe('"Sign out of all sessions"', () => {
  async function signedInEverywhere(email: string) {
    const user = await addUser(h.server, email);
    const browser = new PageClient(h.server.url);
    const tokens = await signIn(app, browser, email, PASSWORD, { remember: true });
    expect(tokens.refresh_token).toBeTruthy();
    expect(await sessionRows(h.server, user.id)).toHaveLength(1);
    return { user, browser, tokens };
  }

  test("checked: the person's refresh token stops working (invalid_grant) and their sessions are gone", async () => {
    const email = uniqueEmail('compromised');
    const { user, browser, tokens } = await signedInEverywhere(email);
    const page = await reset(await resetLink(email), NEW_PASSWORD, true);
    expect(page.last.body).toContain('every session has been signed out');

    await expect(oidc.refreshTokenGrant(app, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(await sessionRows(h.server, user.id)).toEqual([]);
    // The browser that was signed in has to sign in again.
    const a = await authorize(app, browser);
    expect(a.url).toContain('/interaction/');
    expect(browser.title()).toBe('Sign in');
  });

  test('unchecked: the refresh token and the session keep working', async () => {
    const email = uniqueEmail('careful');
    const { user, browser, tokens } = await signedInEverywhere(email);
    const page = await reset(await resetLink(email), NEW_PASSWORD, false);
    expect(page.title()).toBe('Password changed');

    const refreshed = await oidc.refreshTokenGrant(app, tokens.refresh_token!);
    expect(refreshed.access_token).toBeTruthy();
    expect(await sessionRows(h.server, user.id)).toHaveLength(1);
    const a = await authorize(app, browser);
    expect(a.url.startsWith(REDIRECT_URI)).toBe(true); // still signed in: straight back to the app
    expect((await redeem(app, a.url, a)).claims()!.sub).toBe(user.id);
  });
});
