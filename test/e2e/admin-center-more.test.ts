/**
 * The admin center's groups, security and sign-in pages end to end (over the same use-cases as the
 * admin API): groups created, renamed, members added by email and removed, deleted; a group SCIM
 * manages is read-only; refusals re-render with their reason; CSRF required; every change audited
 * with the administrator as actor.
 */
import { createConnectorStore } from '../../src/connectors/store.js';
import { PageClient } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { setUpAdmin } from '../helpers/admin-api.js';
import { openMyAccount, throughAdminStepUp } from '../helpers/sign-in.js';
import { scimClient } from '../helpers/scim.js';

let server: TestServer;
let admin: Awaited<ReturnType<typeof setUpAdmin>>;
let ann: PageClient;

beforeAll(async () => {
  server = await startTestServer();
  admin = await setUpAdmin(server);
  ann = new PageClient(server.url);
  await throughAdminStepUp(ann, 'ann@acme.test', '/admin/groups?org=acme');
});
afterAll(() => server?.close());

const action = (body: string, pattern: RegExp) => pattern.exec(body)![1].replace(/&amp;/g, '&');

test('groups: create, add a member by email, remove, rename, delete; refusals shown with their reason', async () => {
  expect(ann.last.url).toBe(`${server.url}/admin/groups?org=acme`);
  expect(ann.title()).toBe('Groups');
  await ann.post('/admin/groups?org=acme', { name: 'Sales' }, { csrf: 'wrong' });
  expect(ann.last.status).toBe(403);
  await ann.get('/admin/groups?org=acme');
  await ann.post('/admin/groups?org=acme', { name: 'Sales' });
  expect(ann.last.url).toMatch(/\/admin\/groups\/[^/?]+\?org=acme&done=group_created$/);
  expect(ann.title()).toBe('Sales');
  expect(ann.last.body).toContain('The group is created.');
  const groupPath = new URL(ann.last.url).pathname;

  await ann.post(`${groupPath}/members?org=acme`, { email: 'gil@globex.test' });
  expect(ann.last.status).toBe(404);
  expect(ann.last.body).toContain('Nobody in your organization has this email address.');
  expect(ann.last.body).toContain('aria-invalid="true"');
  await ann.post(`${groupPath}/members?org=acme`, { email: 'Bob@Acme.test' });
  expect(ann.last.body).toContain('The person is added to the group.');
  expect(ann.last.body).toContain('bob@acme.test');
  await ann.post(action(ann.last.body, /action="([^"]+\/members\/[^"]+\/remove[^"]*)"/), {});
  expect(ann.last.body).toContain('The person is removed from the group.');
  expect(ann.last.body).not.toContain('bob@acme.test');

  await ann.get('/admin/groups?org=acme');
  await ann.post('/admin/groups?org=acme', { name: 'Support' });
  await ann.post(`${groupPath}/rename?org=acme`, { name: 'Support' });
  expect(ann.last.status).toBe(409);
  expect(ann.last.body).toContain('Another group already has this name.');
  await ann.post(`${groupPath}/rename?org=acme`, { name: 'Field sales' });
  expect(ann.title()).toBe('Field sales');
  await ann.post(`${groupPath}/delete?org=acme`, {});
  expect(ann.last.body).toContain('The group is deleted.');
  expect(ann.last.body).not.toContain('Field sales');
  expect(ann.last.body).toContain('Support');

  const annId = await admin.userId('ann@acme.test');
  const acme = await admin.token('acme-admin');
  const events = (await admin.call(acme, 'GET', '/audit-events?limit=30')).body.items as Array<{ type: string; actor: string }>;
  const mine = events.filter((e) => e.type.startsWith('admin.group_')).map((e) => [e.type, e.actor]);
  expect(mine).toEqual(
    expect.arrayContaining([
      ['admin.group_created', `user:${annId}`],
      ['admin.group_member_added', `user:${annId}`],
      ['admin.group_member_removed', `user:${annId}`],
      ['admin.group_renamed', `user:${annId}`],
      ['admin.group_deleted', `user:${annId}`],
    ]),
  );
  // Another organization's group: a 404 page.
  const globex = await admin.token('globex-admin');
  const theirs = String((await admin.call(globex, 'POST', '/groups', { name: 'Globex only' })).body.id);
  await ann.get(`/admin/groups/${theirs}?org=acme`);
  expect(ann.last.status).toBe(404);
});

test('a group SCIM manages is shown read-only: no rename, member or delete forms; a forged POST is refused', async () => {
  const acme = await admin.token('acme-admin');
  const scim = scimClient(server, String((await admin.call(acme, 'POST', '/scim-tokens', { label: 'center' })).body.token));
  const id = String(
    (await scim.post('/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Entra group' })).body.id,
  );
  await ann.get('/admin/groups?org=acme');
  const csrf = ann.csrf();
  await ann.get(`/admin/groups/${id}?org=acme`);
  expect(ann.last.body).toContain('Your identity provider manages this group over SCIM');
  expect(ann.last.body).not.toContain('/rename');
  expect(ann.last.body).not.toContain('/delete');
  await ann.post(`/admin/groups/${id}/delete?org=acme`, {}, { csrf });
  expect(ann.last.status).toBe(409);
  expect(ann.last.body).toContain('Your identity provider manages this group: change it there.');
});

test('security policies: session lengths within bounds (refused beyond, with the reason), two-step policy by groups', async () => {
  const acme = await admin.token('acme-admin');
  await ann.get('/admin/security?org=acme');
  expect(ann.title()).toBe('Security policies');
  expect(ann.last.body).toContain('At most 30 days.');
  await ann.post('/admin/security/sessions?org=acme', { max_session_hours: '8', remember_days: '31' });
  expect(ann.last.status).toBe(400);
  expect(ann.last.body).toContain('This is longer than this service allows.');
  expect(ann.last.body).toContain('value="31"');
  await ann.post('/admin/security/sessions?org=acme', { max_session_hours: 'eight', remember_days: '' });
  expect(ann.last.status).toBe(400);
  await ann.post('/admin/security/sessions?org=acme', { max_session_hours: '8', remember_days: '' });
  expect(ann.last.body).toContain('The session lengths are saved.');
  expect((await admin.call(acme, 'GET', '/policies/sessions')).body).toMatchObject({ max_session_hours: 8, remember_days: null });

  await admin.call(acme, 'POST', '/groups', { name: 'Finance team' });
  await ann.get('/admin/security?org=acme');
  await ann.post('/admin/security/two-step?org=acme', { required: 'groups', primary_method: 'totp', trusted_device_days: '7' });
  expect(ann.last.status).toBe(400);
  expect(ann.last.body).toContain('at least one group');
  await ann.post('/admin/security/two-step?org=acme', {
    required: 'groups',
    group_names: 'Finance team',
    primary_method: 'totp',
    trusted_device_days: '7',
  });
  expect(ann.last.body).toContain('The two-step verification policy is saved.');
  expect(ann.last.body).toMatch(/value="Finance team" checked/);
  expect((await admin.call(acme, 'GET', '/policies/two-step')).body).toMatchObject({
    required: 'groups',
    group_names: ['Finance team'],
    trusted_device_days: 7,
  });
  await admin.call(acme, 'PUT', '/policies/two-step', { required: 'off', primary_method: 'totp' });
  await admin.call(acme, 'PUT', '/policies/sessions', { max_session_hours: null, remember_days: null });
});

test('sign-in & SSO: a domain claimed with its DNS record and checked, a test sign-in link, SSO only refused untested, break-glass', async () => {
  await server.features.connections.save({
    id: 'acme-center-idp',
    orgId: await admin.orgId('acme'),
    kind: 'oidc',
    name: 'Acme Center IdP',
    secret: 'acme-center-secret-0123456789abcdef',
    settings: { issuer: 'https://idp.acme-center.test', client_id: 'wayfinder' },
  });
  await ann.get('/admin/sign-in?org=acme');
  expect(ann.title()).toBe('Sign-in & SSO');
  await ann.post('/admin/sign-in/domains?org=acme', { domain: 'not a domain' });
  expect(ann.last.status).toBe(400);
  expect(ann.last.body).toContain('This is not a domain name.');
  await ann.post('/admin/sign-in/domains?org=acme', { domain: 'acme-center.test' });
  expect(ann.last.body).toContain('The domain is added');
  expect(ann.last.body).toContain('_wayfinder-verification.acme-center.test');
  await ann.post(action(ann.last.body, /action="(\/admin\/sign-in\/domains\/acme-center\.test\/verify[^"]*)"/), {});
  expect(ann.last.body).toMatch(/The TXT record of acme-center\.test was not found yet|The DNS lookup for acme-center\.test failed/);

  expect(ann.last.body).toContain('Acme Center IdP');
  expect(ann.last.body).toContain('Not tested yet');
  await ann.post(action(ann.last.body, /action="(\/admin\/sign-in\/connections\/acme-center-idp\/test-link[^"]*)"/), {});
  expect(ann.last.body).toMatch(new RegExp(`id="test-link"[^>]*href="${server.url}/sso/test/[A-Za-z0-9_-]+"`));

  await ann.post('/admin/sign-in/sso-only?org=acme', { on: 'on' });
  expect(ann.last.status).toBe(409);
  expect(ann.last.body).toContain('SSO only can be switched on after a successful test sign-in');

  await ann.get('/admin/sign-in?org=acme');
  await ann.post(action(ann.last.body, /action="(\/admin\/sign-in\/break-glass\/[^"]+)"/), { on: 'on' });
  expect(ann.last.body).toContain('The administrator is break-glass.');
  const acme = await admin.token('acme-admin');
  expect(((await admin.call(acme, 'GET', '/policies/break-glass')).body.items as Array<{ break_glass: boolean }>)[0].break_glass).toBe(
    true,
  );
  // With SSO only on (after a test sign-in), its only tested connection cannot be switched off.
  await createConnectorStore(server.services.db).markTested('acme-center-idp');
  await ann.post('/admin/sign-in/sso-only?org=acme', { on: 'on' });
  await ann.get('/admin/sign-in?org=acme');
  const disable = action(ann.last.body, /action="(\/admin\/sign-in\/connections\/acme-center-idp\/disable[^"]*)"/);
  await ann.post(disable, {});
  expect(ann.last.status).toBe(409);
  expect(ann.last.body).toContain('this is the last connection with a successful test sign-in');
  await ann.post('/admin/sign-in/sso-only?org=acme', { on: 'off' });
  await ann.get('/admin/sign-in?org=acme');
  await ann.post(action(ann.last.body, /action="(\/admin\/sign-in\/connections\/acme-center-idp\/disable[^"]*)"/), {});
  expect(ann.last.body).toContain('The connection is off.');
});

test('people: force a password reset and delete from the people page (the person is signed out at once)', async () => {
  const bob = new PageClient(server.url);
  await openMyAccount(bob, 'bob@acme.test');
  const bobId = await admin.userId('bob@acme.test');
  await ann.get('/admin/people?org=acme');
  expect(ann.last.body).toContain(`/admin/people/${bobId}/force-reset`);
  await ann.post(`/admin/people/${bobId}/force-reset?org=acme`, {});
  expect(ann.last.body).toContain('The password no longer works');
  await bob.get('/account');
  expect(bob.last.url).toContain('/interaction/');
  // A person of two organizations: only an operator (a 409 page for an organization administrator).
  await ann.post(`/admin/people/${await admin.userId('both@shared.test')}/delete?org=acme`, {});
  expect(ann.last.status).toBe(409);
  await ann.get('/admin/people?org=acme');
  await ann.post(`/admin/people/${bobId}/delete?org=acme`, {});
  expect(ann.last.body).toContain('The person is deleted');
  expect(ann.last.body).not.toContain('bob@acme.test');
  const acme = await admin.token('acme-admin');
  const types = ((await admin.call(acme, 'GET', '/audit-events?limit=50')).body.items as Array<{ type: string; user_id: string }>)
    .filter((e) => e.user_id === bobId)
    .map((e) => e.type);
  expect(types).toEqual(expect.arrayContaining(['admin.password_reset_forced', 'admin.user_deleted']));
});
