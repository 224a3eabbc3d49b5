/**
 * SCIM groups are Wayfinder groups: an app open to a group, and a two-step verification policy for
 * a group, follow what the IdP provisions — a member added over SCIM may use the app and is covered
 * by the policy, a member removed over SCIM (by filter, as Entra ID does) no longer is, at once.
 */
import { scimOrg } from '../helpers/scim.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { setTwoStepPolicy } from '../../src/factors/admin.js';
import { coveringPolicies } from '../../src/factors/policy.js';
import { mayUseClient } from '../../src/apps/rule.js';

const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

test('app access and the two-step policy by group follow SCIM group membership', async () => {
  const { orgId, scim } = await scimOrg(server, 'follow', 'follow.test');
  const person = async (userName: string) => {
    const res = await scim.post('/Users', {
      schemas: [CORE],
      userName,
      emails: [{ primary: true, type: 'work', value: userName }],
      active: true,
    });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  const ann = await person('ann@follow.test');
  const ben = await person('ben@follow.test');
  const group = await scim.post('/Groups', { schemas: [GROUP], displayName: 'Engineering', members: [{ value: ann }] });
  expect(group.status).toBe(201);
  const groupId = group.body.id as string;

  await server.services.clients.upsert({
    client_id: 'eng-tools',
    client_secret: 'eng-tools-secret-0123456789-0123456789',
    client_name: 'Eng tools',
    redirect_uris: ['https://tools.follow.test/cb'],
    grant_types: ['authorization_code'],
  });
  const appId = await server.services.appStore.idOf('oidc', 'eng-tools');
  expect(appId).toBeDefined();
  await server.services.appStore.setAccess(appId!, { orgIds: [], groupIds: [groupId] });
  server.services.launcher.changed();
  await setTwoStepPolicy(server.features.factorStore, orgId, {
    required: 'groups',
    primary_method: 'totp',
    trusted_device_days: 0,
    group_names: ['Engineering'],
  });
  const mayUse = (id: string) => mayUseClient(server.services.launcher)(id, 'eng-tools');
  const covered = async (id: string) => (await coveringPolicies(server.features.factorStore, id)).length > 0;

  expect([await mayUse(ann), await covered(ann)]).toEqual([true, true]);
  expect([await mayUse(ben), await covered(ben)]).toEqual([false, false]);

  // Entra ID: add a member, remove one by filter.
  const patched = await scim.patch(`/Groups/${groupId}`, [
    { op: 'Add', path: 'members', value: [{ value: ben }] },
    { op: 'Remove', path: `members[value eq "${ann}"]` },
  ]);
  expect(patched.status).toBeLessThan(300);
  expect([await mayUse(ann), await covered(ann)]).toEqual([false, false]);
  expect([await mayUse(ben), await covered(ben)]).toEqual([true, true]);

  // Okta: the group renamed (path-less, with the id) keeps its members; the policy names groups, so it follows the name.
  await scim.patch(`/Groups/${groupId}`, [{ op: 'replace', value: { id: groupId, displayName: 'Eng' } }]);
  expect(await mayUse(ben)).toBe(true);
  expect(await covered(ben)).toBe(false);

  // The group deleted: nobody may use the app any more.
  expect((await scim.delete(`/Groups/${groupId}`)).status).toBe(204);
  expect(await mayUse(ben)).toBe(false);
});
