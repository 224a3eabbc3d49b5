/**
 * Sign-up end to end: the form, the verification mail at a real SMTP server, a GET that only shows a
 * confirm button (mail scanners follow links), the POST that confirms, then a sign-in at an app.
 * Signing up with an address that already has an account looks the same to the person at the form,
 * and the owner of the address gets a "someone tried to sign up" mail instead of a second account.
 */
import { PageClient } from '../helpers/browser.js';
import {
  addApp,
  addUser,
  authorize,
  comparable,
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

async function signUp(page: PageClient, email: string, password = NEW_PASSWORD) {
  await page.get('/signup');
  await page.post('/signup', { name: 'Nadia Newcomer', email, password });
  return { status: page.last.status, body: page.last.body };
}

test('sign-up → verification mail → GET shows a confirm button without using the link → POST confirms → sign-in works', async () => {
  const email = uniqueEmail('nadia');
  const page = new PageClient(h.server.url);
  const sent = await signUp(page, email);
  expect(sent.status).toBe(200);
  expect(page.title()).toBe('Check your email');

  const user = (await h.server.services.accounts.findUserByEmail(email))!;
  expect(user.status).toBe('pending');
  const mail = await h.sink.waitFor(email, /Confirm your email address/);
  const link = h.sink.linkIn(mail);
  expect(new URL(link).pathname).toBe('/verify-email');

  // Before confirming, the policy gate refuses the sign-in (the right password is not enough).
  const early = new PageClient(h.server.url);
  const e = await authorize(app, early);
  await enterCredentials(early, e, email, NEW_PASSWORD);
  expect(early.last.status).toBe(403);
  expect(pageText(early.last.body)).toContain('Confirm your email address first');

  // GET (twice, as a mail scanner then the person would) shows the button and uses nothing.
  for (let i = 0; i < 2; i += 1) {
    await page.get(link);
    expect(page.last.status).toBe(200);
    expect(page.title()).toBe('Confirm your email address');
    expect(page.last.body).toContain('action="/verify-email"');
  }
  const tokens = await h.server.testDb.database.db.selectFrom('action_tokens').select(['used_at']).where('user_id', '=', user.id).execute();
  expect(tokens).toEqual([{ used_at: null }]);
  expect((await h.server.services.accounts.findUser(user.id))!.status).toBe('pending');

  await page.post('/verify-email', { token: new URL(link).searchParams.get('token')! });
  expect(page.last.status).toBe(200);
  expect(page.title()).toBe('Email address confirmed');
  const verified = (await h.server.services.accounts.findUser(user.id))!;
  expect(verified).toMatchObject({ status: 'active', email_verified: true, name: 'Nadia Newcomer' });

  const rp = new PageClient(h.server.url);
  const a = await authorize(app, rp);
  const result = await redeem(app, await enterCredentials(rp, a, email, NEW_PASSWORD), a);
  expect(result.claims()!.sub).toBe(user.id);

  // The link worked once.
  await page.get(link);
  expect(page.last.status).toBe(400);
  expect(page.title()).toBe("This link doesn't work any more");
});

test('signing up again with an existing address gives the identical page and sends a "someone tried" mail, not a second account', async () => {
  const email = uniqueEmail('existing');
  const existing = await addUser(h.server, email);
  const fresh = uniqueEmail('fresh');

  const forNew = await signUp(new PageClient(h.server.url), fresh);
  const forExisting = await signUp(new PageClient(h.server.url), email);
  expect(forExisting.status).toBe(forNew.status);
  expect(comparable(forExisting.body, { [email]: 'EMAIL' })).toBe(comparable(forNew.body, { [fresh]: 'EMAIL' }));

  const mail = await h.sink.waitFor(email, /Someone tried to create an account/);
  expect(mail.text).toContain(`${h.server.url}/password/forgot`);
  await h.sink.waitFor(fresh, /Confirm your email address/);
  expect(h.sink.inbox.filter((m) => m.to.includes(email) && /Confirm your email/.test(m.subject))).toEqual([]);

  const users = await h.server.services.accounts.listUsers();
  expect(users.filter((u) => u.email === email).map((u) => u.id)).toEqual([existing.id]);
  // The existing password still works; the one typed in the sign-up form does not.
  const rp = new PageClient(h.server.url);
  const a = await authorize(app, rp);
  await enterCredentials(rp, a, email, NEW_PASSWORD);
  expect(rp.last.status).toBe(400);
});

test('sign-up with a weak password or a malformed email shows the form again with the problem (400)', async () => {
  const page = new PageClient(h.server.url);
  await signUp(page, uniqueEmail('weak'), 'password123');
  expect(page.last.status).toBe(400);
  expect(page.title()).toBe('Create your account');
  expect(pageText(page.last.body)).toContain('That password is too common');

  await signUp(page, 'not-an-email', NEW_PASSWORD);
  expect(page.last.status).toBe(400);
  expect(pageText(page.last.body)).toContain('Enter an email address like name@example.com');
  expect(page.last.body).toContain('value="not-an-email"');
});
