/**
 * Invitations end to end: the invitation mail arrives at a real SMTP server, its link shows the
 * set-password page, the password policy applies, activation lets the person sign in to an app, the
 * link works once, and an invited person cannot sign in before activating.
 */
import { PageClient } from '../helpers/browser.js';
import {
  addApp,
  auditTypes,
  authorize,
  enterCredentials,
  NEW_PASSWORD,
  pageText,
  redeem,
  startWithMail,
  uniqueEmail,
  type Harness,
} from '../helpers/sign-in.js';

let h: Harness;
let app: Awaited<ReturnType<typeof addApp>>;

beforeAll(async () => {
  h = await startWithMail();
  app = await addApp(h.server, 'reports');
});
afterAll(() => h?.close());

async function invite(email: string) {
  const { user } = await h.server.features.lifecycle.invite(undefined, { email, name: 'Invited Person', lang: 'en' });
  const mail = await h.sink.waitFor(email, /invited/i);
  return { user, mail, link: h.sink.linkIn(mail) };
}

test('the invitation mail links to the set-password page; a weak password is refused; a good one activates; then the person signs in', async () => {
  const email = uniqueEmail('newcomer');
  const { user, mail, link } = await invite(email);
  expect(mail.subject).toBe("You're invited to Wayfinder");
  expect(new URL(link).origin).toBe(h.server.url);
  expect(new URL(link).pathname).toBe('/invitation');

  const page = new PageClient(h.server.url);
  await page.get(link);
  expect(page.last.status).toBe(200);
  expect(page.title()).toBe('Welcome to Wayfinder');
  expect(page.last.body).toContain(email);
  const token = new URL(link).searchParams.get('token')!;

  await page.post('/invitation', { token, password: 'password123' });
  expect(page.last.status).toBe(400);
  expect(pageText(page.last.body)).toContain('That password is too common and easy to guess');
  expect((await h.server.services.accounts.findUser(user.id))!.status).toBe('invited');

  await page.post('/invitation', { token, password: NEW_PASSWORD });
  expect(page.last.status).toBe(200);
  expect(page.title()).toBe('Your account is active');
  const active = (await h.server.services.accounts.findUser(user.id))!;
  expect(active.status).toBe('active');
  expect(active.email_verified).toBe(true);
  expect(await auditTypes(h.server, { type: 'invitation.accepted', userId: user.id })).toHaveLength(1);

  const rp = new PageClient(h.server.url);
  const a = await authorize(app, rp);
  const tokens = await redeem(app, await enterCredentials(rp, a, email, NEW_PASSWORD), a);
  expect(tokens.claims()!.sub).toBe(user.id);
});

test('the same invitation link used again gives the "link doesn\'t work" page (400), on GET and on POST', async () => {
  const email = uniqueEmail('twice');
  const { link } = await invite(email);
  const token = new URL(link).searchParams.get('token')!;
  const page = new PageClient(h.server.url);
  await page.get(link);
  await page.post('/invitation', { token, password: NEW_PASSWORD });
  expect(page.title()).toBe('Your account is active');

  const again = new PageClient(h.server.url);
  await again.get(link);
  expect(again.last.status).toBe(400);
  expect(again.title()).toBe("This link doesn't work any more");
  expect(again.last.body).not.toContain('name="password"');

  // Posting the old form again (a second tab) cannot set another password.
  await page.get('/signup'); // any page, for a CSRF value
  await page.post('/invitation', { token, password: 'another password entirely' });
  expect(page.last.status).toBe(400);
  expect(page.title()).toBe("This link doesn't work any more");
});

test('before activation the invited person cannot sign in: no password works, and the gate denies even with one', async () => {
  const email = uniqueEmail('pending');
  const { user } = await invite(email);

  // No password exists yet: every attempt gets the ordinary "don't match" answer.
  const page = new PageClient(h.server.url);
  const a = await authorize(app, page);
  const back = await enterCredentials(page, a, email, NEW_PASSWORD);
  expect(back).toContain('/interaction/');
  expect(page.last.status).toBe(400);

  // Even with a password on file (set behind the invitation's back), the policy gate says no.
  await h.server.services.users.setPassword(user, NEW_PASSWORD);
  await page.post(`/interaction/${a.uid}/password`, { password: NEW_PASSWORD });
  expect(page.last.status).toBe(403);
  expect(pageText(page.last.body)).toContain('Accept your invitation first');
  expect(page.cookie('wf_session')).toBeUndefined();
  const denied = await auditTypes(h.server, { type: 'login.denied', userId: user.id });
  expect(denied.map((e) => (e.data as { reason: string }).reason)).toEqual(['login.invitation_pending']);
});

test('an invitation link with an unknown or missing token gives the 400 page, not an error', async () => {
  const page = new PageClient(h.server.url);
  for (const url of ['/invitation?token=not-a-real-token', '/invitation']) {
    await page.get(url);
    expect([url, page.last.status]).toEqual([url, 400]);
    expect(page.title()).toBe("This link doesn't work any more");
  }
});
