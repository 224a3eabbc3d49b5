/**
 * Recovery instead of dead ends (src/routing/): each way a sign-in used to end on an error, as a new
 * user found them, now ends somewhere useful — the same app's sign-in again, one "took too long"
 * step, the app's own start, or the lost page. Interactions here live 2 seconds.
 */
import { PageClient } from '../helpers/browser.js';
import { REDIRECT_URI } from '../helpers/rp.js';
import {
  addApp,
  addUser,
  auditTypes,
  authorize,
  enterCredentials,
  interactionUid,
  openMyAccount,
  PASSWORD,
  redeem,
  sleep,
  startWithMail,
  uniqueEmail,
  type Harness,
} from '../helpers/sign-in.js';

let h: Harness;
let app: Awaited<ReturnType<typeof addApp>>;
const TTL = 2;

beforeAll(async () => {
  h = await startWithMail({ oidc: { interactionTtl: TTL } });
  app = await addApp(h.server, 'recovery-app', { name: 'Recovery App' });
});
afterAll(() => h?.close());

test('an expired sign-in page starts the same request again by itself, keeping login_hint; the app still gets its own state', async () => {
  const email = uniqueEmail('expired');
  const user = await addUser(h.server, email);
  const page = new PageClient(h.server.url);
  const a = await authorize(app, page, { login_hint: email });
  expect(page.last.body).toContain('name="password"'); // login_hint: straight to the password page
  await sleep(TTL * 1000 + 600);
  const again = await page.get(`/interaction/${a.uid}`);
  const uid = interactionUid(again);
  expect(uid).not.toBe('');
  expect(uid).not.toBe(a.uid); // a new interaction for the same request
  expect(page.last.status).toBe(200);
  expect(page.last.body).toContain('name="password"'); // login_hint kept
  const back = await page.post(`/interaction/${uid}/password`, { password: PASSWORD });
  const tokens = await redeem(app, back, a); // the original state and PKCE verifier still fit
  expect(tokens.claims()!.sub).toBe(user.id);
});

test('a form posted after expiry shows one "took too long" step whose Continue restarts the request', async () => {
  const email = uniqueEmail('slow');
  const user = await addUser(h.server, email);
  const page = new PageClient(h.server.url);
  const a = await authorize(app, page);
  await sleep(TTL * 1000 + 600);
  await page.post(`/interaction/${a.uid}/identify`, { email });
  expect(page.last.status).toBe(200);
  expect(page.title()).toBe('Your sign-in took too long');
  const href = /<a class="button" href="([^"]+)"/.exec(page.last.body)![1].replace(/&amp;/g, '&');
  expect(href.startsWith('/auth?')).toBe(true);
  const fresh = await page.get(href);
  const back = await enterCredentials(page, { ...a, uid: interactionUid(fresh) }, email, PASSWORD);
  expect(back.startsWith(REDIRECT_URI)).toBe(true);
  expect((await redeem(app, back, a)).claims()!.sub).toBe(user.id);
});

test('a sign-in link opened in another browser (no cookies) starts that request there instead of an error', async () => {
  const first = new PageClient(h.server.url);
  const a = await authorize(app, first);
  const other = new PageClient(h.server.url);
  const landed = await other.get(`/interaction/${a.uid}`);
  expect(other.last.status).toBe(200);
  expect(interactionUid(landed)).not.toBe(a.uid);
  expect(other.last.body).toContain('name="email"');
});

test('an unknown interaction with nothing to recover lands on the lost page, not an error', async () => {
  const page = new PageClient(h.server.url);
  const landed = await page.get('/interaction/NoSuchInteraction123');
  expect(new URL(landed).pathname).toBe('/');
  expect(page.last.status).toBe(200);
  expect(page.title()).toBe("You're not lost — we're lost");
  expect(page.last.body).toContain('/sign-in?return_to=%2F');
});

test('Back after a completed sign-in goes to the app, not to "expired or opened in another browser"', async () => {
  const email = uniqueEmail('back');
  await addUser(h.server, email);
  const page = new PageClient(h.server.url);
  const a = await authorize(app, page);
  const back = await enterCredentials(page, a, email, PASSWORD);
  expect(back.startsWith(REDIRECT_URI)).toBe(true);
  // Back: the sign-in page of the finished interaction.
  const again = await page.get(`/interaction/${a.uid}`);
  // recovery-app registered no launch URL: the lost page, signed in, listing the person's apps.
  expect(new URL(again).pathname).toBe('/');
  expect(page.last.status).toBe(200);
  expect(page.last.body).toContain(email);
});

test('a signed-in person opening / or /sign-in gets the lost page (200) with their apps; no second password', async () => {
  const email = uniqueEmail('lost');
  await addUser(h.server, email);
  const page = new PageClient(h.server.url);
  await openMyAccount(page, email);
  await page.get('/');
  expect(page.last.status).toBe(200);
  expect(page.title()).toBe("You're not lost — we're lost");
  expect(page.last.body).toContain(email);
  await page.get('/sign-in');
  expect(page.last.status).toBe(200);
  expect(page.title()).toBe("You're not lost — we're lost");
  // Sign out from the lost page: signed out, still the lost page, now with a sign-in.
  await page.post('/sign-out', {});
  expect(page.last.body).toContain('href="/sign-in?return_to=%2F"');
  expect((await auditTypes(h.server, { type: 'session.signed_out' })).length).toBeGreaterThan(0);
});

test('a refused return_to is a security event and the lost page; an allowed one is followed after sign-in', async () => {
  const email = uniqueEmail('return');
  await addUser(h.server, email);
  const page = new PageClient(h.server.url);
  for (const bad of [
    '//evil.example',
    'https://evil.example/',
    '/\\evil.example',
    'javascript:alert(1)',
    'https://rp.example.test@evil.example/',
  ]) {
    const landed = await page.get(`/sign-in?return_to=${encodeURIComponent(bad)}`);
    expect([bad, new URL(landed).origin]).toEqual([bad, h.server.url]);
    expect(page.last.status).toBe(200);
    expect(page.last.body).toContain('an address we don&#39;t know');
  }
  const refused = await auditTypes(h.server, { type: 'security.redirect_refused' });
  expect(refused.length).toBeGreaterThanOrEqual(5);
  // Allowed: the registered app's origin.
  const url = await page.get(`/sign-in?return_to=${encodeURIComponent('https://rp.example.test/welcome')}`);
  const done = await enterCredentials(page, { url, uid: interactionUid(url), verifier: '', state: '' }, email, PASSWORD);
  expect(done).toBe('https://rp.example.test/welcome');
});

test('no GET concludes a sign-in: every login.success of these journeys came from a POST', async () => {
  const events = await auditTypes(h.server, { type: 'login.success' });
  expect(events.length).toBeGreaterThan(3);
  // journey.finish refuses a GET outright (it throws); a 500 would have failed the journeys above.
  const page = new PageClient(h.server.url);
  await page.get('/interaction/whatever/factor');
  expect(page.last.status).toBeLessThan(500);
});
