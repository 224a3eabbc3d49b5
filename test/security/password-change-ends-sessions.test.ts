/**
 * Defect 11 of issue 17: changing the password in My account ended nothing (another browser's
 * session and an app's refresh token stayed valid) and the page offered no choice. Now the form has
 * "Sign out of other devices", checked by default: checked, the other browser's session and its
 * refresh token are dead and its app gets a back-channel logout, while this browser stays signed in;
 * unchecked, both live. Two browsers (two cookie jars), openid-client as the app.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PageClient } from '../helpers/browser.js';
import { oidc, REDIRECT_URI } from '../helpers/rp.js';
import {
  addApp,
  addUser,
  authorize,
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
const logouts: string[] = [];

beforeAll(async () => {
  bcl = http.createServer((req, res) => {
    let data = '';
    req.on('data', (c) => {
      data += c;
    });
    req.on('end', () => {
      const token = new URLSearchParams(data).get('logout_token') ?? '';
      logouts.push(JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString() || '{}').sid);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => bcl.listen(0, '127.0.0.1', resolve));
  h = await startWithMail();
  app = await addApp(h.server, 'notes', { backchannelLogoutUri: `http://127.0.0.1:${(bcl.address() as AddressInfo).port}/bcl` });
});
afterAll(async () => {
  await h?.close();
  await new Promise((r) => bcl?.close(r));
});

/** The person signed in on a phone (at the app, with a refresh token) and on a laptop (My account). */
async function twoBrowsers(name: string) {
  const email = uniqueEmail(name);
  const user = await addUser(h.server, email);
  const phone = new PageClient(h.server.url);
  const tokens = await signIn(app, phone, email, PASSWORD, { remember: true });
  expect(tokens.refresh_token).toBeTruthy();
  const laptop = new PageClient(h.server.url);
  await openMyAccount(laptop, email, PASSWORD, { remember: true });
  expect(laptop.title()).toBe('My account');
  expect(await sessionRows(h.server, user.id)).toHaveLength(2);
  return { email, user, phone, laptop, tokens };
}

test('the password form offers "Sign out of other devices", checked; checked, the other session and its refresh token end', async () => {
  const { user, phone, laptop, tokens } = await twoBrowsers('checked');
  expect(laptop.last.body).toMatch(/<input type="checkbox" name="sign_out_others" value="yes" checked>/);
  expect(pageText(laptop.last.body)).toContain('Sign out of other devices');

  await laptop.post('/account/password', { current_password: PASSWORD, new_password: NEW_PASSWORD, sign_out_others: 'yes' });
  expect(laptop.last.url).toContain('/account?done=password_signed_out');
  expect(laptop.title()).toBe('My account');
  expect(pageText(laptop.last.body)).toContain('your other devices have been signed out');

  await expect(oidc.refreshTokenGrant(app, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  const rows = await sessionRows(h.server, user.id);
  expect(rows.map((r) => r.id)).toEqual([laptop.cookie('wf_session')]);
  expect(logouts).toContain(tokens.claims()!.sid);
  // The phone has to sign in again; the laptop is still signed in.
  const again = await authorize(app, phone);
  expect(again.url).toContain('/interaction/');
  expect(phone.title()).toBe('Sign in');
  await laptop.get('/account');
  expect(laptop.last.status).toBe(200);
  expect(laptop.title()).toBe('My account');
});

test('unchecked: the other session and its refresh token keep working', async () => {
  const { user, phone, laptop, tokens } = await twoBrowsers('unchecked');
  await laptop.post('/account/password', { current_password: PASSWORD, new_password: NEW_PASSWORD });
  expect(laptop.last.url).toContain('/account?done=password');
  expect(pageText(laptop.last.body)).toContain('Your password has been changed');

  const refreshed = await oidc.refreshTokenGrant(app, tokens.refresh_token!);
  expect(refreshed.access_token).toBeTruthy();
  expect(await sessionRows(h.server, user.id)).toHaveLength(2);
  const again = await authorize(app, phone);
  expect(again.url.startsWith(REDIRECT_URI)).toBe(true);
  await laptop.get('/account');
  expect(laptop.title()).toBe('My account');
});
