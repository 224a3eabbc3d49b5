/**
 * SCIM 2.0 as Okta's provisioning sends it (Okta's SCIM 2.0 reference sequence): the existence check
 * by userName with startIndex/count, create (with Okta's `groups: []` and a `password`, which is never
 * stored), GET, a full PUT profile update, deactivation by a path-less `replace` of `{ active: false }`,
 * reactivation; group push: create, path-less rename (Okta sends the id back), members added with
 * display names, removed by `members[value eq "…"]`, delete. Every status and body is asserted.
 */
import { randomUUID } from 'node:crypto';
import { filterQuery, scimOrg, type ScimClient } from '../helpers/scim.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

let server: TestServer;
let scim: ScimClient;

beforeAll(async () => {
  server = await startTestServer();
  ({ scim } = await scimOrg(server, 'initech', 'initech.test'));
});
afterAll(() => server?.close());

test('a user: checked, created, read, replaced with PUT, deactivated and reactivated as Okta does', async () => {
  const userName = `test.user.${Date.now()}@initech.test`;
  const none = await scim.get(`/Users${filterQuery(`userName eq "${userName}"`, '&startIndex=1&count=100')}`);
  expect([none.status, none.body]).toEqual([200, { schemas: [LIST], totalResults: 0, startIndex: 1, itemsPerPage: 0, Resources: [] }]);

  const created = await scim.post('/Users', {
    schemas: [CORE],
    userName,
    name: { givenName: 'Test', familyName: 'User' },
    emails: [{ primary: true, value: userName, type: 'work' }],
    displayName: 'Test User',
    locale: 'en-US',
    externalId: '00ujl29u0le5T6Aj10h7',
    groups: [],
    password: '1mz050nq',
    active: true,
  });
  expect(created.status).toBe(201);
  const id = created.body.id;
  expect(created.body).toEqual({
    schemas: [CORE],
    id,
    externalId: '00ujl29u0le5T6Aj10h7',
    userName,
    active: true,
    name: { givenName: 'Test', familyName: 'User' },
    emails: [{ primary: true, value: userName, type: 'work' }],
    displayName: 'Test User',
    locale: 'en-US',
    meta: {
      resourceType: 'User',
      created: expect.any(String),
      lastModified: expect.any(String),
      location: `${scim.base}/Users/${id}`,
      version: 'W/"1"',
    },
  });
  expect(await server.services.accounts.passwordHash(id)).toBeUndefined();
  expect(JSON.stringify(await server.testDb.database.db.selectFrom('scim_users').selectAll().execute())).not.toContain('1mz050nq');
  expect((await server.services.accounts.findUser(id))!.name).toBe('Test User');

  const got = await scim.get(`/Users/${id}`);
  expect([got.status, got.body]).toEqual([200, created.body]);

  // PUT: Okta sends the whole profile back (id and meta included); what it leaves out is gone.
  const put = await scim.put(`/Users/${id}`, {
    schemas: [CORE],
    id,
    userName,
    name: { givenName: 'Another', familyName: 'User' },
    emails: [{ primary: true, value: userName, type: 'work' }],
    displayName: 'Another User',
    active: true,
    meta: created.body.meta,
  });
  expect(put.status).toBe(200);
  expect(put.body).toEqual({
    schemas: [CORE],
    id,
    userName,
    active: true,
    name: { givenName: 'Another', familyName: 'User' },
    emails: [{ primary: true, value: userName, type: 'work' }],
    displayName: 'Another User',
    meta: { ...created.body.meta, lastModified: expect.any(String), version: 'W/"2"' },
  });
  expect(put.headers.get('etag')).toBe('W/"2"');

  const off = await scim.patch(`/Users/${id}`, [{ op: 'replace', value: { active: false } }]);
  expect([off.status, off.body.active, off.body.meta.version]).toEqual([200, false, 'W/"3"']);
  expect((await server.services.accounts.findUser(id))!.status).toBe('disabled');
  const inactive = await scim.get(`/Users${filterQuery(`userName eq "${userName}" and active eq false`)}`);
  expect(inactive.body.Resources.map((u: any) => u.id)).toEqual([id]);
  const on = await scim.patch(`/Users/${id}`, [{ op: 'replace', value: { active: true } }]);
  expect([on.status, on.body.active]).toEqual([200, true]);
  expect((await server.services.accounts.findUser(id))!.status).toBe('active');
});

test('group push: create, rename (path-less, with the id), add members with display, remove by filter, delete', async () => {
  const people: any[] = [];
  for (const n of ['ann', 'ben', 'cat']) {
    const userName = `${n}.${randomUUID().slice(0, 8)}@initech.test`;
    people.push(
      (await scim.post('/Users', { schemas: [CORE], userName, emails: [{ primary: true, value: userName, type: 'work' }], active: true }))
        .body,
    );
  }
  const created = await scim.post('/Groups', { schemas: [GROUP], displayName: 'Test SCIMv2', members: [] });
  expect(created.status).toBe(201);
  const id = created.body.id;
  expect(created.body).toEqual({
    schemas: [GROUP],
    id,
    displayName: 'Test SCIMv2',
    members: [],
    meta: {
      resourceType: 'Group',
      created: expect.any(String),
      lastModified: expect.any(String),
      location: `${scim.base}/Groups/${id}`,
      version: 'W/"1"',
    },
  });
  const renamed = await scim.patch(`/Groups/${id}`, [{ op: 'replace', value: { id, displayName: 'Test SCIMv2 renamed' } }]);
  expect(renamed.status).toBe(204);
  const add = await scim.patch(`/Groups/${id}`, [
    { op: 'add', path: 'members', value: people.map((p) => ({ value: p.id, display: p.userName })) },
  ]);
  expect(add.status).toBe(204);
  const remove = await scim.patch(`/Groups/${id}`, [{ op: 'remove', path: `members[value eq "${people[0].id}"]` }]);
  expect(remove.status).toBe(204);
  const got = await scim.get(`/Groups/${id}`);
  expect(got.status).toBe(200);
  expect(got.body.displayName).toBe('Test SCIMv2 renamed');
  expect(got.body.meta.version).toBe('W/"4"');
  expect(got.body.members.map((m: any) => [m.value, m.display]).sort()).toEqual(
    people
      .slice(1)
      .map((p) => [p.id, p.userName])
      .sort(),
  );
  // A replace of members sets the whole list; a remove without a value empties it.
  await scim.patch(`/Groups/${id}`, [{ op: 'replace', path: 'members', value: [{ value: people[0].id }] }]);
  expect((await scim.get(`/Groups/${id}`)).body.members.map((m: any) => m.value)).toEqual([people[0].id]);
  await scim.patch(`/Groups/${id}`, [{ op: 'remove', path: 'members' }]);
  expect((await scim.get(`/Groups/${id}`)).body.members).toEqual([]);

  const deleted = await scim.delete(`/Groups/${id}`);
  expect([deleted.status, deleted.body]).toEqual([204, undefined]);
  expect((await scim.get(`/Groups/${id}`)).status).toBe(404);
  // Deleting a user takes them out of the organization's groups.
  const g = await scim.post('/Groups', { schemas: [GROUP], displayName: 'Leavers', members: [{ value: people[1].id }] });
  expect(g.body.members.map((m: any) => m.value)).toEqual([people[1].id]);
  expect((await scim.delete(`/Users/${people[1].id}`)).status).toBe(204);
  expect((await scim.get(`/Groups/${g.body.id}`)).body.members).toEqual([]);
});
