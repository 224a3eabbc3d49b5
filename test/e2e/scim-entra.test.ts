/**
 * SCIM 2.0 as Microsoft Entra ID's provisioning service sends it, replayed request by request from
 * Microsoft's SCIM validation sequence: Test connection (a filter on a random userName → an empty
 * list), create, get by id and by filter, PATCH with string booleans and multi-valued filters,
 * manager, deactivate and reactivate, delete; groups created, renamed, members added and removed,
 * deleted. Every status and body is asserted.
 */
import { randomUUID } from 'node:crypto';
import { filterQuery, scimOrg, type ScimClient } from '../helpers/scim.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

let server: TestServer;
let scim: ScimClient;
let orgId: string;

beforeAll(async () => {
  server = await startTestServer();
  ({ scim, orgId } = await scimOrg(server, 'contoso', 'contoso.test'));
});
afterAll(() => server?.close());

const entraUser = (userName: string, externalId: string) => ({
  schemas: [CORE, ENTERPRISE],
  externalId,
  userName,
  active: true,
  emails: [{ primary: true, type: 'work', value: userName }],
  meta: { resourceType: 'User' },
  name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
  roles: [],
});

test('Test connection: a filter on a random userName answers an empty ListResponse', async () => {
  const res = await scim.get(filterQuery(`userName eq "${randomUUID()}"`).replace('?', '/Users?'));
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/scim+json; charset=utf-8');
  expect(res.body).toEqual({ schemas: [LIST], totalResults: 0, startIndex: 1, itemsPerPage: 0, Resources: [] });
});

test('a user: created, read by id and filter, patched as Entra ID patches, deactivated, reactivated, deleted', async () => {
  const userName = `Test_User_${randomUUID()}@contoso.test`;
  const oid = randomUUID();
  expect((await scim.get(`/Users${filterQuery(`userName eq "${userName}"`)}`)).body.totalResults).toBe(0);

  const created = await scim.post('/Users', entraUser(userName, oid));
  expect(created.status).toBe(201);
  const id = created.body.id;
  expect(created.headers.get('location')).toBe(`${scim.base}/Users/${id}`);
  expect(created.headers.get('etag')).toBe('W/"1"');
  expect(created.body).toEqual({
    schemas: [CORE],
    id,
    externalId: oid,
    userName,
    active: true,
    emails: [{ primary: true, type: 'work', value: userName }],
    name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
    roles: [],
    meta: {
      resourceType: 'User',
      created: expect.any(String),
      lastModified: expect.any(String),
      location: `${scim.base}/Users/${id}`,
      version: 'W/"1"',
    },
  });
  // The Wayfinder account: email from the primary email, in the organization, no password.
  const account = (await server.services.accounts.findUser(id))!;
  expect([account.email, account.status, account.given_name, account.family_name]).toEqual([
    userName.toLowerCase(),
    'active',
    'givenName',
    'familyName',
  ]);
  expect((await server.services.orgs.membershipsOf(id)).map((m) => m.slug)).toEqual(['contoso']);

  const byId = await scim.get(`/Users/${id}`);
  expect([byId.status, byId.body]).toEqual([200, created.body]);
  // Entra's filters: mixed-case attribute names, unquoted-case operators.
  const byFilter = await scim.get(`/Users${filterQuery(`UserName Eq "${userName.toUpperCase()}"`)}`);
  expect([byFilter.status, byFilter.body.totalResults, byFilter.body.Resources]).toEqual([200, 1, [created.body]]);
  const byExternalId = await scim.get(`/Users${filterQuery(`externalId eq "${oid}"`)}`);
  expect(byExternalId.body.Resources.map((r: any) => r.id)).toEqual([id]);

  // Multi-valued replace with a filter, and a sub-attribute.
  const newEmail = `updated.${randomUUID()}@contoso.test`;
  const patched = await scim.patch(`/Users/${id}`, [
    { op: 'Replace', path: 'emails[type eq "work"].value', value: newEmail },
    { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
  ]);
  expect(patched.status).toBe(200);
  expect(patched.body.emails).toEqual([{ primary: true, type: 'work', value: newEmail }]);
  expect(patched.body.name.familyName).toBe('updatedFamilyName');
  expect(patched.body.meta.version).toBe('W/"2"');
  expect((await server.services.accounts.findUser(id))!.email).toBe(newEmail);
  const byEmail = await scim.get(`/Users${filterQuery(`emails[type eq "work"].value eq "${newEmail.toUpperCase()}"`)}`);
  expect(byEmail.body.Resources.map((r: any) => r.id)).toEqual([id]);

  // Single-valued replace (userName), the manager as a bare id, the enterprise extension appears.
  const renamed = `renamed.${randomUUID()}@contoso.test`;
  const manager = await scim.patch(`/Users/${id}`, [
    { op: 'Replace', path: 'userName', value: renamed },
    { op: 'Add', path: `${ENTERPRISE}:manager`, value: 'manager-id-2819c223' },
    { op: 'Add', path: `${ENTERPRISE}:department`, value: 'Finance' },
  ]);
  expect(manager.status).toBe(200);
  expect(manager.body.userName).toBe(renamed);
  expect(manager.body.schemas).toEqual([CORE, ENTERPRISE]);
  expect(manager.body[ENTERPRISE]).toEqual({ manager: { value: 'manager-id-2819c223' }, department: 'Finance' });
  const removeManager = await scim.patch(`/Users/${id}`, [{ op: 'Remove', path: `${ENTERPRISE}:manager` }]);
  expect(removeManager.body[ENTERPRISE]).toEqual({ department: 'Finance' });

  // Deactivate with the string "False" (Entra), reactivate with "True".
  const off = await scim.patch(`/Users/${id}`, [{ op: 'Replace', path: 'active', value: 'False' }]);
  expect([off.status, off.body.active]).toEqual([200, false]);
  expect((await server.services.accounts.findUser(id))!.status).toBe('disabled');
  const on = await scim.patch(`/Users/${id}`, [{ op: 'Replace', path: 'active', value: 'True' }]);
  expect([on.status, on.body.active]).toEqual([200, true]);
  expect((await server.services.accounts.findUser(id))!.status).toBe('active');
  const types = (await server.services.audit.recent({ userId: id, limit: 50 })).map((e) => e.type);
  expect(types).toEqual(
    expect.arrayContaining(['scim.user_created', 'scim.user_updated', 'scim.user_deactivated', 'scim.user_reactivated']),
  );

  // Delete: soft (the account stays, disabled), gone from SCIM.
  const deleted = await scim.delete(`/Users/${id}`);
  expect([deleted.status, deleted.body]).toEqual([204, undefined]);
  const gone = await scim.get(`/Users/${id}`);
  expect(gone.status).toBe(404);
  expect(gone.body).toEqual({ schemas: [ERROR], status: '404', detail: `no user ${id}` });
  expect((await server.services.accounts.findUser(id))!.status).toBe('disabled');
  expect((await scim.get(`/Users${filterQuery(`userName eq "${renamed}"`)}`)).body.totalResults).toBe(0);
  // The same person (same email) provisioned again comes back on the same account.
  const again = await scim.post('/Users', { ...entraUser(renamed, oid), emails: [{ primary: true, type: 'work', value: newEmail }] });
  expect([again.status, again.body.id, again.body.active]).toEqual([201, id, true]);
});

test('groups: created, read without members, renamed, members added (twice) and removed, deleted', async () => {
  const members: any[] = [];
  for (const n of [1, 2]) {
    members.push((await scim.post('/Users', entraUser(`member${n}.${randomUUID()}@contoso.test`, randomUUID()))).body);
  }
  const externalId = randomUUID();
  const created = await scim.post('/Groups', {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group', 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'],
    externalId,
    displayName: 'Finance',
    meta: { resourceType: 'Group' },
  });
  expect(created.status).toBe(201);
  const id = created.body.id;
  expect(created.body).toEqual({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
    id,
    displayName: 'Finance',
    externalId,
    members: [],
    meta: {
      resourceType: 'Group',
      created: expect.any(String),
      lastModified: expect.any(String),
      location: `${scim.base}/Groups/${id}`,
      version: 'W/"1"',
    },
  });
  const noMembers = await scim.get(`/Groups/${id}?excludedAttributes=members`);
  expect(noMembers.status).toBe(200);
  expect(noMembers.body.members).toBeUndefined();
  const byName = await scim.get(`/Groups${filterQuery('displayName eq "finance"', '&excludedAttributes=members')}`);
  expect(byName.body.Resources.map((g: any) => [g.id, g.members])).toEqual([[id, undefined]]);

  const renamed = await scim.patch(`/Groups/${id}`, [{ op: 'Replace', path: 'displayName', value: 'Finance EMEA' }]);
  expect([renamed.status, renamed.body]).toEqual([204, undefined]);
  const add = [{ op: 'Add', path: 'members', value: members.map((m) => ({ $ref: null, value: m.id })) }];
  expect((await scim.patch(`/Groups/${id}`, add)).status).toBe(204);
  expect((await scim.patch(`/Groups/${id}`, add)).status).toBe(204);
  const full = await scim.get(`/Groups/${id}`);
  expect(full.body.displayName).toBe('Finance EMEA');
  expect(full.body.members.map((m: any) => m.value).sort()).toEqual(members.map((m) => m.id).sort());
  expect(full.body.members[0].$ref).toBe(`${scim.base}/Users/${full.body.members[0].value}`);
  // The Wayfinder group follows.
  const db = server.testDb.database.db;
  expect((await db.selectFrom('group_members').select('user_id').where('group_id', '=', id).execute()).length).toBe(2);
  const withMember = await scim.get(
    `/Groups${filterQuery(`id eq "${id}" and members[value eq "${members[0].id}"]`, '&excludedAttributes=members')}`,
  );
  expect(withMember.body.totalResults).toBe(1);

  expect(
    (await scim.patch(`/Groups/${id}`, [{ op: 'Remove', path: 'members', value: [{ $ref: null, value: members[0].id }] }])).status,
  ).toBe(204);
  expect((await scim.get(`/Groups/${id}`)).body.members.map((m: any) => m.value)).toEqual([members[1].id]);
  expect((await scim.get(`/Groups${filterQuery(`id eq "${id}" and members[value eq "${members[0].id}"]`)}`)).body.totalResults).toBe(0);

  expect((await scim.delete(`/Groups/${id}`)).status).toBe(204);
  expect((await scim.get(`/Groups/${id}`)).status).toBe(404);
  expect(await db.selectFrom('groups').select('id').where('id', '=', id).executeTakeFirst()).toBeUndefined();
  expect((await server.services.audit.recent({ type: 'scim.group_updated', limit: 10 })).length).toBeGreaterThanOrEqual(3);
  expect(orgId).toBe('org-contoso');
});
