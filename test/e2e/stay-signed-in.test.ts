/**
 * "Stay signed in": unchecked gives a browser-session cookie (no Expires, no Max-Age) and a short
 * server-side session; checked gives a cookie and a stored session lasting `rememberDays` (30), and
 * each visit to My account moves both forward (sliding lifetime).
 */
import { PageClient } from '../helpers/browser.js';
import {
  addApp,
  addUser,
  lastCookie,
  PASSWORD,
  sessionRows,
  signIn,
  sleep,
  startWithMail,
  uniqueEmail,
  type Harness,
} from '../helpers/sign-in.js';

const DAY = 86400e3;
let h: Harness;
let app: Awaited<ReturnType<typeof addApp>>;

beforeAll(async () => {
  h = await startWithMail();
  app = await addApp(h.server, 'reports');
});
afterAll(() => h?.close());

test('unchecked: the session cookie ends with the browser, the stored session is short and transient', async () => {
  const email = uniqueEmail('brief');
  const user = await addUser(h.server, email);
  const page = new PageClient(h.server.url);
  await signIn(app, page, email, PASSWORD, { remember: false });

  for (const name of ['wf_session', 'wf_session.sig']) {
    const cookie = lastCookie(page, name);
    expect(cookie).toBeDefined();
    expect(cookie!.expires).toBeUndefined();
    expect(cookie!.maxAge).toBeUndefined();
  }
  const [row] = await sessionRows(h.server, user.id);
  expect(row.payload.transient).toBe(true);
  const hours = (row.expires_at!.getTime() - Date.now()) / 3600e3;
  expect(hours).toBeGreaterThan(11);
  expect(hours).toBeLessThanOrEqual(12);

  // A visit to My account keeps it a browser session.
  page.setCookieLog = [];
  await page.get('/account');
  expect(page.title()).toBe('My account');
  expect(page.setCookieLog.filter(({ line }) => /^wf_session(\.sig)?=.*expires=/i.test(line))).toEqual([]);
  expect(page.last.body).toContain('Ends when the browser closes');
});

test('checked: the session cookie expires about 30 days ahead, and so does the stored session', async () => {
  const email = uniqueEmail('remembered');
  const user = await addUser(h.server, email);
  const page = new PageClient(h.server.url);
  await signIn(app, page, email, PASSWORD, { remember: true });

  const cookie = lastCookie(page, 'wf_session')!;
  expect(cookie.expires).toBeDefined();
  expect(Math.abs(cookie.expires!.getTime() - (Date.now() + 30 * DAY))).toBeLessThan(120e3);
  const [row] = await sessionRows(h.server, user.id);
  expect(row.id).toBe(cookie.value);
  expect(row.payload.transient).toBeUndefined();
  expect(Math.abs(row.expires_at!.getTime() - (Date.now() + 30 * DAY))).toBeLessThan(120e3);
});

test('sliding: a later visit to My account moves the cookie expiry and the stored session expiry forward', async () => {
  const email = uniqueEmail('slider');
  const user = await addUser(h.server, email);
  const page = new PageClient(h.server.url);
  await signIn(app, page, email, PASSWORD, { remember: true });
  const before = lastCookie(page, 'wf_session')!;
  const [rowBefore] = await sessionRows(h.server, user.id);

  await sleep(2100); // cookie dates have a one-second resolution
  page.setCookieLog = [];
  await page.get('/account');
  expect(page.title()).toBe('My account');

  const after = lastCookie(page, 'wf_session')!;
  expect(after).toBeDefined();
  expect(after.value).toBe(before.value); // same session, not a new sign-in
  expect(after.expires!.getTime() - before.expires!.getTime()).toBeGreaterThanOrEqual(1000);
  expect(Math.abs(after.expires!.getTime() - (Date.now() + 30 * DAY))).toBeLessThan(120e3);

  const [rowAfter] = await sessionRows(h.server, user.id);
  expect(rowAfter.id).toBe(rowBefore.id);
  expect(rowAfter.expires_at!.getTime() - rowBefore.expires_at!.getTime()).toBeGreaterThanOrEqual(1000);
});
