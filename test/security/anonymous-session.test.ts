/**
 * No anonymous request stores a session (issue 17, defect 4): 200 anonymous GET /session/end (and
 * GET /device, which also keeps a form secret in the session) leave the stored session rows as they
 * were, and the logout pages still work without one — anonymously (to the signed-out page, or back
 * to the app's registered post-logout address) and signed in (the session row goes away).
 */
import { sql } from 'kysely';
import { PageClient } from '../helpers/browser.js';
import { addApp, addUser, openMyAccount, PASSWORD, sessionRows, startWithMail, uniqueEmail, type Harness } from '../helpers/sign-in.js';

let h: Harness;
const POST_LOGOUT = 'https://rp.example.test/signed-out';
beforeAll(async () => {
  h = await startWithMail();
  await addApp(h.server, 'notes');
  await h.server.services.clients.upsert({
    client_id: 'leaving',
    client_secret: 'leaving-secret-value',
    redirect_uris: ['https://rp.example.test/cb'],
    post_logout_redirect_uris: [POST_LOGOUT],
    first_party: true,
  });
});
afterAll(() => h?.close());

async function storedSessions() {
  const row = await h.server.testDb.database.db
    .selectFrom('oidc_models')
    .select(sql<string>`count(*)`.as('n'))
    .where('kind', '=', 'Session')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

const xsrfOf = (html: string) => /name="xsrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

test('200 anonymous GET /session/end and 50 GET /device store no session', async () => {
  const before = await storedSessions();
  for (let i = 0; i < 200; i += 1) {
    const res = await fetch(`${h.server.url}/session/end`);
    expect(res.status).toBe(200);
    await res.text();
  }
  for (let i = 0; i < 50; i += 1) {
    const res = await fetch(`${h.server.url}/device`);
    expect(res.status).toBe(200);
    await res.text();
  }
  expect(await storedSessions()).toBe(before);
});

test('anonymous logout still reaches the signed-out page', async () => {
  const page = new PageClient(h.server.url);
  await page.get('/session/end');
  expect(page.last.status).toBe(200);
  const xsrf = xsrfOf(page.last.body);
  expect(xsrf).not.toBe('');
  await page.post('/session/end/confirm', { xsrf, logout: 'yes' }, { csrf: false });
  expect(page.last.status).toBe(200);
  expect(page.last.url).toContain('/session/end/success');
});

test('anonymous RP-initiated logout returns to the registered post-logout address with its state', async () => {
  const page = new PageClient(h.server.url);
  const before = await storedSessions();
  await page.get(`/session/end?client_id=leaving&post_logout_redirect_uri=${encodeURIComponent(POST_LOGOUT)}&state=s1`);
  const back = await page.post('/session/end/confirm', { xsrf: xsrfOf(page.last.body), logout: 'yes' }, { csrf: false });
  expect(back).toBe(`${POST_LOGOUT}?state=s1`);
  expect(await storedSessions()).toBe(before);
});

test('anonymous device code entry keeps working: no stored session until the person signs in; then the device gets tokens', async () => {
  await h.server.services.clients.upsert({
    client_id: 'tv',
    token_endpoint_auth_method: 'none',
    grant_types: ['urn:ietf:params:oauth:grant-type:device_code'],
    redirect_uris: [],
    response_types: [],
    first_party: true,
  });
  const res = await fetch(`${h.server.url}/device/auth`, {
    method: 'POST',
    body: new URLSearchParams({ client_id: 'tv', scope: 'openid' }),
  });
  const { user_code: userCode, device_code: deviceCode } = (await res.json()) as { user_code: string; device_code: string };
  const before = await storedSessions();
  const page = new PageClient(h.server.url);
  await page.get('/device');
  await page.post('/device', { xsrf: 'forged', user_code: userCode }, { csrf: false });
  expect(page.last.status).toBe(400);
  await page.get('/device');
  await page.post('/device', { xsrf: xsrfOf(page.last.body), user_code: userCode }, { csrf: false });
  expect(page.last.status).toBe(200);
  expect(page.last.body).toContain(userCode);
  expect(await storedSessions()).toBe(before);

  // Confirming leads to the sign-in; once signed in the session is stored and the device gets tokens.
  const email = uniqueEmail('tv');
  await addUser(h.server, email);
  const interaction = await page.post('/device', { xsrf: xsrfOf(page.last.body), user_code: userCode, confirm: 'yes' }, { csrf: false });
  const uid = new URL(interaction).pathname.split('/')[2];
  await page.post(`/interaction/${uid}/identify`, { email });
  await page.post(`/interaction/${uid}/password`, { password: PASSWORD });
  expect([page.last.status, page.title()]).toEqual([200, 'Your device is connected']);
  expect(await storedSessions()).toBe(before + 1);
  const token = await fetch(`${h.server.url}/token`, {
    method: 'POST',
    body: new URLSearchParams({ client_id: 'tv', grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: deviceCode }),
  });
  expect(token.status).toBe(200);
});

test('signed-in logout still ends the stored session', async () => {
  const email = uniqueEmail('leaver');
  const user = await addUser(h.server, email);
  const page = new PageClient(h.server.url);
  await openMyAccount(page, email);
  expect(await sessionRows(h.server, user.id)).toHaveLength(1);
  await page.get('/session/end');
  expect(page.last.status).toBe(200);
  expect(page.title()).toBe('Sign out?');
  await page.post('/session/end/confirm', { xsrf: xsrfOf(page.last.body), logout: 'yes' }, { csrf: false });
  expect(page.last.url).toContain('/session/end/success');
  expect(await sessionRows(h.server, user.id)).toHaveLength(0);
});
