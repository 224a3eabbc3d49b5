/**
 * My account end to end: the sessions list, signing out one session, "Sign out everywhere" (sessions,
 * refresh tokens, and a back-channel logout token to every app that registered for one, received
 * here by a small HTTP server), and changing the password, which needs the current one.
 * Note: under jest, oidc-provider cannot install its SSRF guard (it says so in a warning), so the
 * logout token reaches 127.0.0.1 here; in a plain Node process the guard refuses loopback and private
 * addresses (10/8, 172.16/12, 192.168/16), so apps on an internal network get no back-channel logout.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { PageClient } from '../helpers/browser.js';
import { oidc } from '../helpers/rp.js';
import {
  addApp,
  addUser,
  NEW_PASSWORD,
  openMyAccount,
  PASSWORD,
  pageText,
  sessionRows,
  signIn,
  startWithMail,
  uniqueEmail,
  type Harness,
} from '../helpers/sign-in.js';

let h: Harness;
let app: Awaited<ReturnType<typeof addApp>>;
let bcl: http.Server;
const received: Array<{ path: string; contentType: string; body: URLSearchParams }> = [];

beforeAll(async () => {
  bcl = http.createServer((req, res) => {
    let data = '';
    req.on('data', (c) => {
      data += c;
    });
    req.on('end', () => {
      received.push({ path: req.url ?? '', contentType: req.headers['content-type'] ?? '', body: new URLSearchParams(data) });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => bcl.listen(0, '127.0.0.1', resolve));
  h = await startWithMail();
  app = await addApp(h.server, 'notes', {
    backchannelLogoutUri: `http://127.0.0.1:${(bcl.address() as AddressInfo).port}/backchannel-logout`,
    name: 'Notes',
  });
});
afterAll(async () => {
  await h?.close();
  await new Promise((r) => bcl?.close(r));
});

/** Session ids offered in the "Sign out" forms of the My account page. */
const sessionForms = (html: string) => [...html.matchAll(/action="\/account\/sessions\/([^/"]+)\/sign-out"/g)].map((m) => m[1]);

test('the sessions list shows each browser, marks this one, and signs out another one', async () => {
  const email = uniqueEmail('two-browsers');
  const user = await addUser(h.server, email);
  const laptop = new PageClient(h.server.url, { 'user-agent': 'Laptop browser/1.0' });
  const phone = new PageClient(h.server.url, { 'user-agent': 'Phone browser/2.0' });
  await signIn(app, phone, email);
  await openMyAccount(laptop, email);
  expect(laptop.title()).toBe('My account');

  const ids = sessionForms(laptop.last.body);
  expect(ids.sort()).toEqual([laptop.cookie('wf_session'), phone.cookie('wf_session')].sort());
  const text = pageText(laptop.last.body);
  expect(text).toContain('Laptop browser/1.0');
  expect(text).toContain('Phone browser/2.0');
  const rows = laptop.last.body.split('<tr data-session=').slice(1);
  expect(rows.find((r) => r.includes('Laptop browser'))).toContain('This device');
  expect(rows.find((r) => r.includes('Phone browser'))).not.toContain('This device');

  const before = received.length;
  await laptop.post(`/account/sessions/${phone.cookie('wf_session')}/sign-out`, {});
  expect(laptop.last.url).toContain('/account?done=session');
  expect(pageText(laptop.last.body)).toContain('That session has been signed out');
  expect(sessionForms(laptop.last.body)).toEqual([laptop.cookie('wf_session')]);
  expect((await sessionRows(h.server, user.id)).map((r) => r.id)).toEqual([laptop.cookie('wf_session')]);

  // The phone must sign in again, and the app it used was told.
  expect(await phone.get('/account')).toContain('/interaction/');
  expect(received.length).toBe(before + 1);
});

test('visiting My account keeps the device details of a "stay signed in" session', async () => {
  const email = uniqueEmail('remembered-device');
  const user = await addUser(h.server, email);
  const page = new PageClient(h.server.url, { 'user-agent': 'Remembered browser/3.0' });
  await signIn(app, page, email, PASSWORD, { remember: true });
  for (let visit = 0; visit < 2; visit += 1) {
    await page.get('/account');
    expect(page.title()).toBe('My account');
    const text = pageText(page.last.body);
    expect(text).toContain('Remembered browser/3.0');
    expect(text).not.toContain('Unknown device');
  }
  const metas = await h.server.testDb.database.db
    .selectFrom('session_meta')
    .select(['ip', 'user_agent'])
    .where('user_id', '=', user.id)
    .execute();
  expect(metas).toEqual([{ ip: expect.stringContaining('127.0.0.1'), user_agent: 'Remembered browser/3.0' }]);
});

test('a session of someone else cannot be signed out from my page', async () => {
  const mine = uniqueEmail('me');
  const theirs = uniqueEmail('them');
  const them = await addUser(h.server, theirs);
  await addUser(h.server, mine);
  const other = new PageClient(h.server.url);
  await signIn(app, other, theirs);
  const me = new PageClient(h.server.url);
  await openMyAccount(me, mine);
  await me.post(`/account/sessions/${other.cookie('wf_session')}/sign-out`, {});
  expect(me.last.status).toBe(200);
  expect(await sessionRows(h.server, them.id)).toHaveLength(1);
});

test('"Sign out everywhere" ends every session, revokes refresh tokens and sends a back-channel logout token', async () => {
  const email = uniqueEmail('everywhere');
  const user = await addUser(h.server, email);
  const browser = new PageClient(h.server.url);
  const tokens = await signIn(app, browser, email, PASSWORD, { remember: true });
  const sid = tokens.claims()!.sid as string;
  expect(sid).toBeTruthy();
  const other = new PageClient(h.server.url);
  await signIn(app, other, email);
  await openMyAccount(browser, email);
  expect(browser.title()).toBe('My account');

  const before = received.length;
  await browser.post('/account/sessions/sign-out-all', {});
  // This browser is signed out too: /account starts a new sign-in.
  expect(browser.last.url).toContain('/interaction/');
  expect(await sessionRows(h.server, user.id)).toEqual([]);
  await expect(oidc.refreshTokenGrant(app, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });

  const sent = received.slice(before);
  expect(sent).toHaveLength(2); // one per session that used the app
  const jwks = createRemoteJWKSet(new URL(`${h.server.url}/jwks`));
  for (const call of sent) {
    expect(call.path).toBe('/backchannel-logout');
    expect(call.contentType).toContain('application/x-www-form-urlencoded');
    const { payload } = await jwtVerify(call.body.get('logout_token')!, jwks, {
      issuer: h.server.url,
      audience: 'notes',
      typ: 'logout+jwt',
    });
    expect(payload.sub).toBe(user.id);
    expect(payload.events).toEqual({ 'http://schemas.openid.net/event/backchannel-logout': {} });
    expect(payload.nonce).toBeUndefined();
    expect(payload.jti).toBeTruthy();
  }
  expect(sent.map((c) => JSON.parse(Buffer.from(c.body.get('logout_token')!.split('.')[1], 'base64url').toString()).sid)).toContain(sid);
});

test('changing the password needs the current password; a weak new one is refused; the new one then works', async () => {
  const email = uniqueEmail('changer');
  const user = await addUser(h.server, email);
  const page = new PageClient(h.server.url);
  await openMyAccount(page, email);

  await page.post('/account/password', { current_password: 'not my password', new_password: NEW_PASSWORD });
  expect(page.last.status).toBe(400);
  expect(pageText(page.last.body)).toContain('Your current password is not right');
  expect(await h.server.services.users.hasPassword(user.id, PASSWORD)).toBe(true);

  await page.post('/account/password', { current_password: PASSWORD, new_password: 'password123' });
  expect(page.last.status).toBe(400);
  expect(pageText(page.last.body)).toContain('That password is too common');

  await page.post('/account/password', { current_password: PASSWORD, new_password: NEW_PASSWORD });
  expect(page.last.url).toContain('/account?done=password');
  expect(pageText(page.last.body)).toContain('Your password has been changed');
  expect(await h.server.services.users.hasPassword(user.id, NEW_PASSWORD)).toBe(true);
  await h.sink.waitFor(email, /Your password was changed/);

  const rp = new PageClient(h.server.url);
  await expect(signIn(app, rp, email, PASSWORD)).rejects.toThrow(/did not return to the app/);
  expect((await signIn(app, new PageClient(h.server.url), email, NEW_PASSWORD)).claims()!.sub).toBe(user.id);
});

test('the account forms refuse a POST without a session (401 page, nothing changed)', async () => {
  const page = new PageClient(h.server.url);
  await page.get('/signup');
  await page.post('/account/sessions/sign-out-all', {});
  expect(page.last.status).toBe(401);
  await page.get('/signup');
  await page.post('/account/password', { current_password: PASSWORD, new_password: NEW_PASSWORD });
  expect(page.last.status).toBe(401);
  expect(page.last.headers.get('content-type')).toContain('text/html');
});
