/**
 * Groups over the admin API: list, create, rename, delete, members (people of the organization
 * only; others 404), every change an audit event with before/after, groups provisioned by SCIM
 * read-only (409 managed_by_scim), and the two-step policy's group names kept in step with a rename
 * (a group the policy names cannot be deleted).
 */
import { startTestServer, type TestServer } from '../helpers/server.js';
import { setUpAdmin } from '../helpers/admin-api.js';
import { scimClient } from '../helpers/scim.js';

let server: TestServer;
let admin: Awaited<ReturnType<typeof setUpAdmin>>;
let acme: string;

beforeAll(async () => {
  server = await startTestServer();
  admin = await setUpAdmin(server);
  acme = await admin.token('acme-admin');
});
afterAll(() => server?.close());

const eventsOf = async (type: string) =>
  (await admin.call(acme, 'GET', `/audit-events?type=${type}`)).body.items as Array<{
    user_id: string | null;
    data: Record<string, unknown>;
  }>;

test('create, list (cursor), rename, members added and removed, delete: each audited with before and after', async () => {
  const made = await admin.call(acme, 'POST', '/groups', { name: '  Engineering ' });
  expect(made).toMatchObject({ status: 201, body: { name: 'Engineering', members: 0, managed_by_scim: false } });
  const id = String(made.body.id);
  expect(await admin.call(acme, 'POST', '/groups', { name: 'Engineering' })).toMatchObject({
    status: 409,
    body: { error: 'group_exists' },
  });
  expect((await admin.call(acme, 'POST', '/groups', { name: '' })).status).toBe(400);
  expect((await admin.call(acme, 'POST', '/groups', { name: 'a\u0007b' })).status).toBe(400);
  await admin.call(acme, 'POST', '/groups', { name: 'Finance' });
  const first = await admin.call(acme, 'GET', '/groups?limit=1');
  expect((first.body.items as Array<{ name: string }>).map((g) => g.name)).toEqual(['Engineering']);
  const second = await admin.call(acme, 'GET', `/groups?limit=1&cursor=${encodeURIComponent(String(first.body.next))}`);
  expect((second.body.items as Array<{ name: string }>).map((g) => g.name)).toEqual(['Finance']);

  const ann = await admin.userId('ann@acme.test');
  const bob = await admin.userId('bob@acme.test');
  expect(await admin.call(acme, 'POST', `/groups/${id}/members`, { user_id: ann })).toMatchObject({ status: 200, body: { members: 1 } });
  expect(await admin.call(acme, 'POST', `/groups/${id}/members`, { user_id: ann })).toMatchObject({ status: 200, body: { members: 1 } });
  await admin.call(acme, 'POST', `/groups/${id}/members`, { user_id: bob });
  // Someone of another organization (or nobody): 404, nothing added.
  expect((await admin.call(acme, 'POST', `/groups/${id}/members`, { user_id: await admin.userId('gil@globex.test') })).status).toBe(404);
  expect((await admin.call(acme, 'POST', `/groups/${id}/members`, { user_id: 'nobody' })).status).toBe(404);
  const members = await admin.call(acme, 'GET', `/groups/${id}/members`);
  expect((members.body.items as Array<{ email: string }>).map((m) => m.email)).toEqual(['ann@acme.test', 'bob@acme.test']);
  expect((await admin.call(acme, 'DELETE', `/groups/${id}/members/${bob}`)).status).toBe(204);
  expect((await admin.call(acme, 'GET', `/groups/${id}`)).body.members).toBe(1);

  expect(await admin.call(acme, 'PUT', `/groups/${id}`, { name: 'Finance' })).toMatchObject({
    status: 409,
    body: { error: 'group_exists' },
  });
  expect(await admin.call(acme, 'PUT', `/groups/${id}`, { name: 'Platform' })).toMatchObject({ status: 200, body: { name: 'Platform' } });

  const [added] = (await eventsOf('admin.group_member_added')).filter((e) => e.user_id === bob);
  expect(added.data).toMatchObject({ target: id, member: bob, before: { member: false }, after: { member: true } });
  const [removed] = await eventsOf('admin.group_member_removed');
  expect(removed.data).toMatchObject({ target: id, member: bob, after: { member: false } });
  const [renamed] = await eventsOf('admin.group_renamed');
  expect(renamed.data).toMatchObject({ target: id, before: { name: 'Engineering' }, after: { name: 'Platform' } });
  expect((await eventsOf('admin.group_created')).length).toBe(2);

  expect((await admin.call(acme, 'DELETE', `/groups/${id}`)).status).toBe(204);
  expect((await admin.call(acme, 'GET', `/groups/${id}`)).status).toBe(404);
  const [deleted] = await eventsOf('admin.group_deleted');
  expect(deleted.data).toMatchObject({ target: id, before: { name: 'Platform', members: 1 } });
});

test('a group provisioned by SCIM is listed but read-only: rename, delete and member changes are 409 managed_by_scim', async () => {
  const scim = scimClient(server, String((await admin.call(acme, 'POST', '/scim-tokens', { label: 'groups' })).body.token));
  const made = await scim.post('/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'From Entra' });
  expect(made.status).toBe(201);
  const id = String(made.body.id);
  expect((await admin.call(acme, 'GET', `/groups/${id}`)).body).toMatchObject({ name: 'From Entra', managed_by_scim: true });
  const ann = await admin.userId('ann@acme.test');
  for (const res of [
    await admin.call(acme, 'PUT', `/groups/${id}`, { name: 'Renamed' }),
    await admin.call(acme, 'DELETE', `/groups/${id}`),
    await admin.call(acme, 'POST', `/groups/${id}/members`, { user_id: ann }),
    await admin.call(acme, 'DELETE', `/groups/${id}/members/${ann}`),
  ])
    expect(res).toMatchObject({ status: 409, body: { error: 'managed_by_scim' } });
  expect((await admin.call(acme, 'GET', `/groups/${id}`)).body).toMatchObject({ name: 'From Entra', members: 0 });
});

test('the two-step policy follows a rename, and a group it names cannot be deleted', async () => {
  const id = String((await admin.call(acme, 'POST', '/groups', { name: 'Admins' })).body.id);
  await admin.call(acme, 'PUT', '/policies/two-step', { required: 'groups', group_names: ['Admins'], primary_method: 'totp' });
  expect((await admin.call(acme, 'PUT', `/groups/${id}`, { name: 'Administrators' })).status).toBe(200);
  expect((await admin.call(acme, 'GET', '/policies/two-step')).body.group_names).toEqual(['Administrators']);
  expect(await admin.call(acme, 'DELETE', `/groups/${id}`)).toMatchObject({ status: 409, body: { error: 'group_in_policy' } });
  await admin.call(acme, 'PUT', '/policies/two-step', { required: 'off', primary_method: 'totp' });
  expect((await admin.call(acme, 'DELETE', `/groups/${id}`)).status).toBe(204);
});
