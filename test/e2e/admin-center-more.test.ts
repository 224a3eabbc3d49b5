/**
 * The admin center's groups, security and sign-in pages end to end (over the same use-cases as the
 * admin API): groups created, renamed, members added by email and removed, deleted; a group SCIM
 * manages is read-only; refusals re-render with their reason; CSRF required; every change audited
 * with the administrator as actor.
 */
import { generate } from 'otplib';
import { PageClient } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { setUpAdmin } from '../helpers/admin-api.js';
import { interactionUid, openMyAccount } from '../helpers/sign-in.js';
import { scimClient } from '../helpers/scim.js';

let server: TestServer;
let admin: Awaited<ReturnType<typeof setUpAdmin>>;
let ann: PageClient;

beforeAll(async () => {
  server = await startTestServer();
  admin = await setUpAdmin(server);
  ann = new PageClient(server.url);
  await openMyAccount(ann, 'ann@acme.test');
  const at = await ann.get('/admin/groups?org=acme');
  const uid = interactionUid(at);
  const secret = /<code>([A-Z2-7 ]{16,})<\/code>/.exec(ann.last.body)![1].replace(/ /g, '');
  await ann.post(`/interaction/${uid}/factor/totp/enrol`, { code: await generate({ secret }) });
  await ann.post(`/interaction/${uid}/factor/continue`, {});
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
