/**
 * Route input goes through one zod guard (issue 14; src/http/guard.ts, fields in src/http/route-fields.ts):
 * a query parameter given twice (an array), an over-long value or a NUL is a 4xx — `invalid_input`
 * naming the field, a page or JSON as the route family answers, SCIM's error format under /scim/ —
 * never a 500 and never silently joined ("a,b"); valid input behaves as before; a page that treats a
 * malformed value as absent (a theme color, a link's token on the confirmation page) still does.
 */
import { addUser, openMyAccount, startWithMail, uniqueEmail, type Harness } from '../helpers/sign-in.js';
import { PageClient } from '../helpers/browser.js';
import { scimOrg } from '../helpers/scim.js';

let h: Harness;
beforeAll(async () => {
  h = await startWithMail();
});
afterAll(() => h?.close());

const JSON_ACCEPT = { accept: 'application/json' };

async function call(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${h.server.url}${path}`, { redirect: 'manual', headers });
  const body = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', body, location: res.headers.get('location') };
}

/** The JSON error of a refused input, naming `field`. */
async function refused(path: string, field: string) {
  const res = await call(path, JSON_ACCEPT);
  expect([path, res.status]).toEqual([path, 400]);
  const body = JSON.parse(res.body) as { error: string; error_description: string };
  expect([path, body.error]).toEqual([path, 'invalid_input']);
  expect(body.error_description).toContain(field);
}

const long = 'x'.repeat(3000);

test('a repeated or over-long query parameter of a public page is a 400 invalid_input naming it, never a 500', async () => {
  await refused('/password/reset?token=a&token=b', 'token');
  await refused('/verify-email?token=a&token=b', 'token');
  await refused(`/invitation?token=${long}`, 'token');
  await refused('/account?done=a&done=b', 'done');
  await refused('/account/support?done=a&done=b', 'done');
  await refused('/interaction/abcdefghijklmnop/factor?method=a&method=b', 'method');
  await refused('/interaction/abcdefghijklmnop/sso/done?result=a&result=b', 'result');
  await refused('/sso/callback/some-connection?state=a&state=b', 'state');
  await refused('/social/callback/some-connection?code=a&code=b', 'code');
  // A path parameter longer than any id.
  await refused(`/sso/saml/${'c'.repeat(300)}/metadata`, 'connection');
  // The same as a page for a browser.
  const page = await call('/password/reset?token=a&token=b', { accept: 'text/html' });
  expect(page.status).toBe(400);
  expect(page.type).toContain('text/html');
});

test('a NUL in a query or a path is a 400, not a 500', async () => {
  for (const path of ['/password/reset?token=a%00b', '/account?done=%00', '/branding/theme.css?c=%00', `/apps/a%00b/launch`]) {
    const res = await call(path, JSON_ACCEPT);
    expect([path, res.status]).toEqual([path, 400]);
  }
});

test('valid input behaves as before; malformed values a page treats as absent still are', async () => {
  // An unknown link: the "link invalid" page (400), not the input error.
  const unknown = await call('/password/reset?token=not-a-real-token', { accept: 'text/html' });
  expect(unknown.status).toBe(400);
  expect(unknown.body).not.toMatch(/input is not valid/);
  for (const path of [
    '/signup',
    '/signup?interaction=abcdefghijklmnop',
    '/password/forgot',
    '/password/forgot?interaction=a&interaction=b',
  ])
    expect([path, (await call(path)).status]).toEqual([path, 200]);
  // Signed out: My account sends the browser to sign in.
  expect((await call('/account?done=password')).status).toBe(302);
  // The theme's colors: one rrggbb value, or the default.
  const themed = await call('/branding/theme.css?c=112233&b=445566');
  expect(themed.body).toContain('#112233');
  const fallback = await call('/branding/theme.css?c=112233&c=445566');
  expect(fallback.status).toBe(200);
  expect(fallback.body).not.toContain('#112233');
  // A repeated token on the email confirmation page is no link (its own page), as an unknown one.
  const confirm = await call('/account/email/confirm?token=a&token=b', { accept: 'text/html' });
  expect(confirm.status).toBe(400);
  expect(confirm.body).not.toMatch(/input is not valid/);
});

test('My account, signed in: a valid notice shows, a repeated one or an over-long session id is a 400', async () => {
  const email = uniqueEmail('guard');
  await addUser(h.server, email);
  const page = new PageClient(h.server.url);
  await openMyAccount(page, email);
  await page.get('/account?done=password');
  expect(page.last.status).toBe(200);
  await page.get('/account?done=password&done=session');
  expect(page.last.status).toBe(400);
  await page.get('/account');
  await page.post(`/account/sessions/${'s'.repeat(300)}/sign-out`, {});
  expect(page.last.status).toBe(400);
  await page.get('/account');
  await page.post(`/account/trusted-devices/${'d'.repeat(300)}/revoke`, {});
  expect(page.last.status).toBe(400);
});

test('SCIM: a refused input keeps the SCIM error format (400 invalidSyntax); valid input answers as before', async () => {
  const { scim } = await scimOrg(h.server, 'guard-org', 'guard.example.test');
  for (const path of [
    `/Users/${'u'.repeat(300)}`,
    `/Groups/${'g'.repeat(300)}`,
    `/ResourceTypes/${'r'.repeat(300)}`,
    '/Users?count=1&count=2',
  ]) {
    const res = await scim.get(path);
    expect([path, res.status]).toEqual([path, 400]);
    expect(res.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '400', scimType: 'invalidSyntax' });
  }
  expect((await scim.get('/ResourceTypes/User')).status).toBe(200);
  expect((await scim.get('/Users/no-such-user')).status).toBe(404);
  expect((await scim.get('/Users?count=1')).status).toBe(200);
  // Without a token, the input is not looked at: 401.
  const anonymous = await fetch(`${h.server.url}/scim/v2/Users/${'u'.repeat(300)}`);
  expect(anonymous.status).toBe(401);
});
