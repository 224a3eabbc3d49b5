/**
 * The admin API's people operations beyond list/invite/disable: a forced password reset (the
 * password stops working, the refresh token is refused right after, a reset link is mailed and
 * works), delete (refresh token refused right after, hidden from lists, 404, no sign-in), and the
 * purge after the retention period (personal data gone, audit events kept with their ids), with
 * SCIM DELETE going through the same soft delete.
 */
import { sql } from 'kysely';
import { NEW_PASSWORD, PASSWORD, addApp, addUser, newMail, signIn, startWithMail, uniqueEmail, type Harness } from '../helpers/sign-in.js';
import { setUpAdmin } from '../helpers/admin-api.js';
import { PageClient } from '../helpers/browser.js';
import { oidc } from '../helpers/rp.js';
import { scimClient } from '../helpers/scim.js';

let h: Harness;
let admin: Awaited<ReturnType<typeof setUpAdmin>>;
let acme: string;
let app: Awaited<ReturnType<typeof addApp>>;

beforeAll(async () => {
  h = await startWithMail({ accounts: { deletedRetentionDays: 2 } });
  admin = await setUpAdmin(h.server);
  acme = await admin.token('acme-admin');
  app = await addApp(h.server, 'people-app');
});
afterAll(() => h?.close());

/** A new member of acme, signed in at the app with a refresh token. */
async function signedInMember(name: string) {
  const email = uniqueEmail(name);
  const user = await addUser(h.server, email);
  await h.server.services.orgs.addMember(await admin.orgId('acme'), user.id, 'member');
  const tokens = await signIn(app, new PageClient(h.server.url), email, PASSWORD, { remember: true });
  expect(tokens.refresh_token).toBeTruthy();
  return { email, user, tokens };
}

const events = async (type: string) =>
  (await admin.call(acme, 'GET', `/audit-events?type=${type}`)).body.items as Array<{ user_id: string; data: Record<string, unknown> }>;

test('force a password reset: the password stops working, the refresh token is refused at once, the mailed link sets a new one', async () => {
  const { email, user, tokens } = await signedInMember('forced');
  const mail = await newMail(h.sink, email, /new password/i, async () => {
    expect(await admin.call(acme, 'POST', `/users/${user.id}/force-password-reset`)).toMatchObject({ status: 200, body: { id: user.id } });
  });
  await expect(oidc.refreshTokenGrant(app, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  expect(mail.text).toContain('Acme');
  // The old password no longer signs in.
  await expect(signIn(app, new PageClient(h.server.url), email, PASSWORD)).rejects.toThrow();
  const link = /https?:\/\/\S+\/password\/reset\?token=\S+/.exec(mail.text)![0];
  const page = new PageClient(h.server.url);
  await page.get(link);
  await page.post(new URL(link).pathname + new URL(link).search, {
    password: NEW_PASSWORD,
    token: new URL(link).searchParams.get('token')!,
  });
  expect((await signIn(app, new PageClient(h.server.url), email, NEW_PASSWORD)).access_token).toBeTruthy();
  const [event] = (await events('admin.password_reset_forced')).filter((e) => e.user_id === user.id);
  expect(event.data).toMatchObject({ target: user.id, after: { password: 'reset' } });
  // Another organization's person: 404; a person of two organizations: only an operator.
  expect((await admin.call(acme, 'POST', `/users/${await admin.userId('gil@globex.test')}/force-password-reset`)).status).toBe(404);
  expect((await admin.call(acme, 'POST', `/users/${await admin.userId('both@shared.test')}/force-password-reset`)).body.error).toBe(
    'member_elsewhere',
  );
});

test('delete: the refresh token is refused right after, the person is hidden and cannot sign in; purged after the retention period', async () => {
  const { email, user, tokens } = await signedInMember('leaver');
  const kept = await signedInMember('recent-leaver');
  expect((await admin.call(acme, 'DELETE', `/users/${user.id}`)).status).toBe(204);
  await expect(oidc.refreshTokenGrant(app, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  expect((await admin.call(acme, 'GET', `/users/${user.id}`)).status).toBe(404);
  expect((await admin.call(acme, 'DELETE', `/users/${user.id}`)).status).toBe(404);
  expect((await admin.call(acme, 'POST', `/users/${user.id}/enable`)).status).toBe(404);
  const listed = (await admin.call(acme, 'GET', `/users?q=${encodeURIComponent(email)}`)).body.items as unknown[];
  expect(listed).toEqual([]);
  await expect(signIn(app, new PageClient(h.server.url), email, PASSWORD)).rejects.toThrow();
  const [deleted] = (await events('admin.user_deleted')).filter((e) => e.user_id === user.id);
  expect(deleted.data).toMatchObject({ target: user.id, before: { status: 'active' }, after: { status: 'deleted' } });

  // Within the retention period (2 days here) nothing is purged.
  const { purge } = h.server.features.admin.useCases;
  await purge.purgeDeleted(undefined, 'system');
  expect(await h.server.services.accounts.findUser(user.id)).toBeDefined();
  // Deleted three days ago (as the clock will see it then): purged, the recent deletion kept.
  expect((await admin.call(acme, 'DELETE', `/users/${kept.user.id}`)).status).toBe(204);
  await sql`update users set deleted_at = now() - interval '3 days' where id = ${user.id}`.execute(h.server.testDb.database.db);
  expect(await purge.purgeDeleted(undefined, 'system')).toBe(1);
  expect(await h.server.services.accounts.findUser(user.id)).toBeUndefined();
  expect(await h.server.services.accounts.findUserByEmail(email)).toBeUndefined();
  expect(await h.server.services.accounts.findUser(kept.user.id)).toBeDefined();
  // The audit events about the person remain, with the ids.
  const about = await h.server.testDb.database.db.selectFrom('audit_events').select('type').where('user_id', '=', user.id).execute();
  expect(about.map((e) => e.type)).toEqual(expect.arrayContaining(['admin.user_deleted', 'admin.user_purged', 'login.success']));
  const [purged] = (await events('admin.user_purged')).filter((e) => e.user_id === user.id);
  expect(purged.data).toMatchObject({ target: user.id, orgIds: [await admin.orgId('acme')], retentionDays: 2 });
});

test('SCIM DELETE and the admin delete are one soft delete: hidden from the admin list too, purged the same way', async () => {
  const orgId = await admin.orgId('acme');
  const claim = await h.server.services.orgs.claimDomain({ id: 'dom-acme-people', org_id: orgId, domain: 'acme.test', token: 't' });
  await h.server.services.orgs.markVerified(claim.id, 'operator');
  const scim = scimClient(h.server, String((await admin.call(acme, 'POST', '/scim-tokens', { label: 'people' })).body.token));
  const core = 'urn:ietf:params:scim:schemas:core:2.0:User';
  const made = await scim.post('/Users', { schemas: [core], userName: 'scimmed@acme.test', emails: [{ value: 'scimmed@acme.test' }] });
  expect(made.status).toBe(201);
  const id = String(made.body.id);
  expect((await admin.call(acme, 'GET', `/users/${id}`)).status).toBe(200);
  expect((await scim.delete(`/Users/${id}`)).status).toBe(204);
  // The admin layer sees the same deletion: not found, not listed.
  expect((await admin.call(acme, 'GET', `/users/${id}`)).status).toBe(404);
  expect((await admin.call(acme, 'GET', '/users?q=scimmed')).body.items).toEqual([]);
  const row = await h.server.testDb.database.db
    .selectFrom('users')
    .select(['deleted_at', 'status'])
    .where('id', '=', id)
    .executeTakeFirst();
  expect(row).toMatchObject({ status: 'disabled', deleted_at: expect.any(Date) });

  // And the admin delete of a provisioned person hides them from SCIM (404 there).
  const second = String(
    (await scim.post('/Users', { schemas: [core], userName: 'scimmed2@acme.test', emails: [{ value: 'scimmed2@acme.test' }] })).body.id,
  );
  expect((await admin.call(acme, 'DELETE', `/users/${second}`)).status).toBe(204);
  expect((await scim.get(`/Users/${second}`)).status).toBe(404);
  // Provisioned again over SCIM, the deleted person comes back (the same account, no longer deleted).
  const again = await scim.post('/Users', { schemas: [core], userName: 'scimmed2@acme.test', emails: [{ value: 'scimmed2@acme.test' }] });
  expect(again.status).toBe(201);
  expect((await admin.call(acme, 'GET', `/users/${second}`)).body).toMatchObject({ id: second, status: 'active' });
});
