/**
 * The admin center end to end (pages over the admin use-cases): only administrators get in; a fresh
 * second factor (15 minutes) is asked before any page, and the step-up returns to the page asked
 * for; overview figures; people search and disable (sessions end) / enable; SCIM tokens created
 * (shown once), used, revoked; the audit log names the administrator; CSRF is required.
 */
import { generate } from 'otplib';
import { sql } from 'kysely';
import { PageClient } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { setUpAdmin } from '../helpers/admin-api.js';
import { interactionUid, openMyAccount, throughAdminStepUp } from '../helpers/sign-in.js';

let server: TestServer;
let admin: Awaited<ReturnType<typeof setUpAdmin>>;
/** Ann's browser after the step-up (one TOTP set-up for the file: a code is accepted once). */
let ann: PageClient;
let annSecret = '';

beforeAll(async () => {
  server = await startTestServer();
  admin = await setUpAdmin(server);
});
afterAll(() => server?.close());

/** Signs ann (acme admin) in to My account, then through the step-up (TOTP set up on the way) to `path`. */
async function asAnn(path: string) {
  const page = new PageClient(server.url);
  annSecret = await throughAdminStepUp(page, 'ann@acme.test', path);
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

test('a second factor older than 15 minutes: a page goes through the step-up again, a change is refused with 403 and not made', async () => {
  const annId = await admin.userId('ann@acme.test');
  const bobId = await admin.userId('bob@acme.test');
  const age = (seconds: number) =>
    sql`update oidc_models set payload = jsonb_set(payload, '{loginTs}', to_jsonb((payload->>'loginTs')::bigint - ${seconds}))
        where kind = 'Session' and account_id = ${annId}`.execute(server.testDb.database.db);
  // 14 minutes old: still fresh.
  await age(14 * 60);
  await ann.get('/admin/people?org=acme');
  expect([ann.last.status, ann.last.url]).toEqual([200, `${server.url}/admin/people?org=acme`]);
  const csrf = ann.csrf();
  // 16 minutes old: the page asks for the second factor again (and would come back here); a POST is refused.
  await age(2 * 60);
  await ann.post(`/admin/people/${bobId}/disable?org=acme`, {}, { csrf });
  expect(ann.last.status).toBe(403);
  expect((await server.services.accounts.findUser(bobId))?.status).toBe('active');
  // The page asks for the second factor again (the session's earlier one does not count) and comes back.
  const at = await ann.get('/admin/people?org=acme');
  expect(at).toMatch(/\/interaction\/[^/]+\/factor/);
  const uid = interactionUid(at);
  // The next time step's code: the one of this step may have been used at enrolment (a code is accepted once).
  await ann.post(`/interaction/${uid}/factor/totp/verify`, { code: await generate({ secret: annSecret, epoch: Date.now() / 1000 + 30 }) });
  expect([ann.last.status, ann.last.url]).toEqual([200, `${server.url}/admin/people?org=acme`]);
  expect(ann.last.body).toContain('bob@acme.test');
});
