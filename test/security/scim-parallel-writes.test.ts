/**
 * Parallel duplicates over SCIM (an IdP retrying, two provisioning workers): eight creates of one
 * userName give exactly one 201 and 409 `uniqueness` for the rest — never a 500 or a second person;
 * eight parallel adds of one member leave it a member once.
 */
import { scimOrg, type ScimClient } from '../helpers/scim.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
let server: TestServer;
let scim: ScimClient;

beforeAll(async () => {
  server = await startTestServer();
  scim = (await scimOrg(server, 'acme', 'acme.test')).scim;
});
afterAll(() => server?.close());

test('eight parallel creates of one person: one 201, seven 409 uniqueness', async () => {
  const body = { schemas: [CORE], userName: 'twin@acme.test', emails: [{ primary: true, value: 'twin@acme.test' }] };
  const answers = await Promise.all(Array.from({ length: 8 }, () => scim.post('/Users', body)));
  const statuses = answers.map((a) => a.status).sort();
  expect(statuses).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
  for (const a of answers.filter((x) => x.status === 409)) expect(a.body.scimType).toBe('uniqueness');
  const list = await scim.get(`/Users?filter=${encodeURIComponent('userName eq "twin@acme.test"')}`);
  expect(list.body.totalResults).toBe(1);
});

test('eight parallel adds of one member: no 500, a member once', async () => {
  const person = await scim.post('/Users', { schemas: [CORE], userName: 'm@acme.test', emails: [{ primary: true, value: 'm@acme.test' }] });
  const group = await scim.post('/Groups', { displayName: 'Team' });
  const add = [{ op: 'add', path: 'members', value: [{ value: person.body.id }] }];
  const answers = await Promise.all(Array.from({ length: 8 }, () => scim.patch(`/Groups/${group.body.id}`, add)));
  for (const a of answers) expect(a.status).toBeLessThan(500);
  const read = await scim.get(`/Groups/${group.body.id}`);
  expect(read.body.members).toHaveLength(1);
});
