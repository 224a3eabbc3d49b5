/**
 * Session lengths an organization sets through the admin API, enforced where sessions are reused:
 * at an app's authorization (oidc-provider's login prompt: a full sign-in again, not a step-up) and
 * on My account. "Stay signed in" sessions follow `remember_days`, the others `max_session_hours`,
 * both counted from the sign-in; a session of a person outside the organization is untouched; values
 * beyond the deployment's are refused (400 out_of_bounds); each change is audited.
 */
import { sql } from 'kysely';
import { PASSWORD, addApp, addUser, authorize, enterCredentials, redeem, uniqueEmail } from '../helpers/sign-in.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { setUpAdmin } from '../helpers/admin-api.js';
import { PageClient } from '../helpers/browser.js';
import { REDIRECT_URI } from '../helpers/rp.js';

let server: TestServer;
let admin: Awaited<ReturnType<typeof setUpAdmin>>;
let acme: string;
let app: Awaited<ReturnType<typeof addApp>>;

beforeAll(async () => {
  server = await startTestServer();
  admin = await setUpAdmin(server);
  acme = await admin.token('acme-admin');
  app = await addApp(server, 'lengths-app');
});
afterAll(() => server?.close());

/** A person (of acme unless told otherwise) signed in at the app in `page`. */
async function signedIn(opts: { remember: boolean; org?: string | null }) {
  const email = uniqueEmail('lengths');
  const user = await addUser(server, email);
  if (opts.org !== null) await server.services.orgs.addMember(await admin.orgId(opts.org ?? 'acme'), user.id, 'member');
  const page = new PageClient(server.url);
  const a = await authorize(app, page);
  await redeem(app, await enterCredentials(page, a, email, PASSWORD, { remember: opts.remember }), a);
  return { user, page };
}
/** Moves the person's session sign-in time back by `seconds`. */
const age = (userId: string, seconds: number) =>
  sql`update oidc_models set payload = jsonb_set(payload, '{loginTs}', to_jsonb((payload->>'loginTs')::bigint - ${seconds}))
      where kind = 'Session' and account_id = ${userId}`.execute(server.testDb.database.db);
/** Whether the app gets a code at once (the session is reused) or the person is asked to sign in. */
const reused = async (page: PageClient) => (await authorize(app, page)).url.startsWith(REDIRECT_URI);

test('read, set within bounds, refused beyond them, audited with before and after', async () => {
  const initial = await admin.call(acme, 'GET', '/policies/sessions');
  expect(initial).toMatchObject({
    status: 200,
    body: { max_session_hours: null, remember_days: null, bounds: { max_session_hours: 12, remember_days: 30 } },
  });
  expect(initial.body.effective).toEqual(initial.body.bounds);
  expect(await admin.call(acme, 'PUT', '/policies/sessions', { max_session_hours: 8, remember_days: 31 })).toMatchObject({
    status: 400,
    body: { error: 'out_of_bounds', details: { field: 'remember_days', max: 30 } },
  });
  expect((await admin.call(acme, 'PUT', '/policies/sessions', { max_session_hours: 0, remember_days: null })).status).toBe(400);
  expect((await admin.call(acme, 'PUT', '/policies/sessions', { max_session_hours: 8 })).status).toBe(400);
  const set = await admin.call(acme, 'PUT', '/policies/sessions', { max_session_hours: 8, remember_days: 7 });
  expect(set).toMatchObject({
    status: 200,
    body: { max_session_hours: 8, remember_days: 7, effective: { max_session_hours: 8, remember_days: 7 } },
  });
  const events = (await admin.call(acme, 'GET', '/audit-events?type=admin.session_policy_set')).body.items as Array<{ data: unknown }>;
  expect(events[0].data).toMatchObject({
    before: { max_session_hours: null, remember_days: null },
    after: { max_session_hours: 8, remember_days: 7 },
  });
  await admin.call(acme, 'PUT', '/policies/sessions', { max_session_hours: null, remember_days: null });
});

test('"Stay signed in" ends after remember_days from the sign-in: the app and My account ask for a full sign-in again', async () => {
  const { user, page } = await signedIn({ remember: true });
  const outsider = await signedIn({ remember: true, org: null });
  await age(user.id, 3 * 86400);
  await age(outsider.user.id, 3 * 86400);
  expect(await reused(page)).toBe(true);
  await admin.call(acme, 'PUT', '/policies/sessions', { max_session_hours: null, remember_days: 2 });
  // Past 2 days: the password again (the email page or the password page; no code for the app).
  const again = await authorize(app, page);
  expect(again.url).toContain('/interaction/');
  expect(page.last.body).toMatch(/name="(email|password)"/);
  await page.get('/account');
  expect(page.last.url).toContain('/interaction/');
  // Someone of no organization keeps the deployment's 30 days.
  expect(await reused(outsider.page)).toBe(true);
  // A fresh sign-in is reused again.
  const fresh = await authorize(app, page);
  await redeem(app, await enterCredentials(page, fresh, user.email, PASSWORD, { remember: true }), fresh);
  expect(await reused(page)).toBe(true);
  await admin.call(acme, 'PUT', '/policies/sessions', { max_session_hours: null, remember_days: null });
});

test('without "Stay signed in", the session ends after max_session_hours; a member of two organizations gets the shorter', async () => {
  const { user, page } = await signedIn({ remember: false });
  await age(user.id, 2 * 3600);
  await admin.call(acme, 'PUT', '/policies/sessions', { max_session_hours: 3, remember_days: null });
  expect(await reused(page)).toBe(true);
  const globex = await admin.token('globex-admin');
  await server.services.orgs.addMember(await admin.orgId('globex'), user.id, 'member');
  await admin.call(globex, 'PUT', '/policies/sessions', { max_session_hours: 1, remember_days: null });
  expect(await reused(page)).toBe(false);
  await admin.call(globex, 'PUT', '/policies/sessions', { max_session_hours: null, remember_days: null });
  await admin.call(acme, 'PUT', '/policies/sessions', { max_session_hours: null, remember_days: null });
});

test('someone added to a group the two-step policy covers meets it at the next authorization (an open session too)', async () => {
  const group = String((await admin.call(acme, 'POST', '/groups', { name: 'Covered' })).body.id);
  await admin.call(acme, 'PUT', '/policies/two-step', { required: 'groups', group_names: ['Covered'], primary_method: 'totp' });
  // Signed in after the policy, outside the group: no second factor needed, the session is reused.
  const { user, page } = await signedIn({ remember: true });
  expect(await reused(page)).toBe(true);
  expect((await admin.call(acme, 'POST', `/groups/${group}/members`, { user_id: user.id })).status).toBe(200);
  // Now in the group: the next authorization asks for two-step verification (here its set-up).
  const again = await authorize(app, page);
  expect(again.url).toContain('/interaction/');
  await admin.call(acme, 'PUT', '/policies/two-step', { required: 'off', primary_method: 'totp' });
});
