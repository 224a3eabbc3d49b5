/**
 * The admin center end to end (pages over the admin use-cases): only administrators get in; a fresh
 * second factor (15 minutes) is asked before any page, and the step-up returns to the page asked
 * for; overview figures; people search and disable (sessions end) / enable; SCIM tokens created
 * (shown once), used, revoked; the audit log names the administrator; CSRF is required.
 */
import { generate } from 'otplib';
import { PageClient } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { setUpAdmin } from '../helpers/admin-api.js';
import { interactionUid, openMyAccount } from '../helpers/sign-in.js';

let server: TestServer;
let admin: Awaited<ReturnType<typeof setUpAdmin>>;
/** Ann's browser after the step-up (one TOTP set-up for the file: a code is accepted once). */
let ann: PageClient;

beforeAll(async () => {
  server = await startTestServer();
  admin = await setUpAdmin(server);
});
afterAll(() => server?.close());

/** Signs ann (acme admin) in to My account, then through the step-up (TOTP set up on the way) to `path`. */
async function asAnn(path: string) {
  const page = new PageClient(server.url);
  await openMyAccount(page, 'ann@acme.test');
  const at = await page.get(path);
  expect(at).toContain('/interaction/');
  const uid = interactionUid(at);
  const secret = /<code>([A-Z2-7 ]{16,})<\/code>/.exec(page.last.body)![1].replace(/ /g, '');
  await page.post(`/interaction/${uid}/factor/totp/enrol`, { code: await generate({ secret }) });
  await page.post(`/interaction/${uid}/factor/continue`, {});
  return page;
}

test('members are refused; an administrator passes a fresh second factor and lands on the page asked for', async () => {
  const bob = new PageClient(server.url);
  await openMyAccount(bob, 'bob@acme.test');
  await bob.get('/admin');
  expect(bob.last.status).toBe(403);
  expect(bob.last.body).toContain('The admin center is for administrators of an organization.');

  ann = await asAnn('/admin/people?org=acme');
  expect(ann.last.url).toBe(`${server.url}/admin/people?org=acme`);
  expect(ann.title()).toBe('People');
  expect(ann.last.body).toContain('bob@acme.test');
  expect(ann.last.body).not.toContain('gil@globex.test');
  await ann.get('/admin');
  expect(ann.last.body).toMatch(/id="stat-people">3</);
  await ann.get('/account');
  expect(ann.last.body).toContain('href="/admin"');
});

test('people: search, disable ends the sessions, enable; SCIM token shown once, used, revoked; audit names the administrator', async () => {
  await ann.get('/admin/people?q=bo');
  expect(ann.last.body).toContain('bob@acme.test');
  expect(ann.last.body).not.toContain('ann@acme.test</span>');
  const bob = new PageClient(server.url);
  await openMyAccount(bob, 'bob@acme.test');
  const bobId = await admin.userId('bob@acme.test');
  // CSRF is required.
  await ann.post(`/admin/people/${bobId}/disable`, {}, { csrf: 'wrong' });
  expect(ann.last.status).toBe(403);
  await ann.get('/admin/people');
  await ann.post(`/admin/people/${bobId}/disable?org=acme`, {});
  expect(ann.last.body).toContain('The person is disabled');
  await bob.get('/account');
  expect(bob.last.url).toContain('/interaction/');
  await ann.post(`/admin/people/${bobId}/enable?org=acme`, {});
  expect(ann.last.body).toContain('The person can sign in again.');

  await ann.get('/admin/scim');
  await ann.post('/admin/scim/tokens', { label: 'Entra' });
  const token = /id="new-token"[^>]*>([^<]+)</.exec(ann.last.body)![1];
  expect((await fetch(`${server.url}/scim/v2/Users`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  await ann.get('/admin/scim');
  expect(ann.last.body).not.toContain(token);
  const revoke = /action="(\/admin\/scim\/tokens\/[^"]+\/revoke[^"]*)"/.exec(ann.last.body)![1];
  await ann.post(revoke.replace(/&amp;/g, '&'), {});
  expect(ann.last.body).toContain('The token is revoked');
  expect((await fetch(`${server.url}/scim/v2/Users`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);

  await ann.post('/admin/scim/notify?org=acme', { email: 'nope' });
  expect(ann.last.status).toBe(400);
  await ann.get('/admin/scim');
  await ann.post('/admin/scim/notify?org=acme', { email: 'it@acme.test' });
  expect(ann.last.body).toContain('The notification address is saved.');
  expect(ann.last.body).toContain('value="it@acme.test"');

  await ann.get('/admin/audit?type=admin.user_disabled');
  const annId = await admin.userId('ann@acme.test');
  expect(ann.last.body).toContain(`user:${annId}`);
  expect(ann.last.body).toContain('admin.user_disabled');
});
