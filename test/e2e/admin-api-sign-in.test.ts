/**
 * Company sign-in over the admin API beyond domains and SSO only: a test sign-in link per enabled
 * connection (single use, audited, refused for a disabled connection), and break-glass
 * administrators (only administrators of the organization; others 404), audited with before/after.
 */
import { startTestServer, type TestServer } from '../helpers/server.js';
import { setUpAdmin } from '../helpers/admin-api.js';

let server: TestServer;
let admin: Awaited<ReturnType<typeof setUpAdmin>>;
let acme: string;

beforeAll(async () => {
  server = await startTestServer();
  admin = await setUpAdmin(server);
  acme = await admin.token('acme-admin');
  await server.features.connections.save({
    id: 'acme-idp',
    orgId: await admin.orgId('acme'),
    kind: 'oidc',
    name: 'Acme IdP',
    secret: 'acme-idp-secret-0123456789abcdef',
    settings: { issuer: 'https://idp.acme.test', client_id: 'wayfinder' },
  });
});
afterAll(() => server?.close());

test('a test sign-in link for an enabled connection: issued, listed as not yet tested, audited; refused when disabled', async () => {
  const link = await admin.call(acme, 'POST', '/connections/acme-idp/test-link');
  expect(link).toMatchObject({ status: 201, body: { expires_in: 3600 } });
  expect(String(link.body.url)).toMatch(new RegExp(`^${server.url}/sso/test/[A-Za-z0-9_-]{20,}$`));
  expect(((await admin.call(acme, 'GET', '/connections')).body.items as Array<{ tested: boolean }>)[0].tested).toBe(false);
  const events = (await admin.call(acme, 'GET', '/audit-events?type=admin.connection_test_link')).body.items as Array<{ data: unknown }>;
  expect(events[0].data).toMatchObject({ target: 'acme-idp' });
  expect(JSON.stringify(events)).not.toContain(String(link.body.url).split('/').pop());
  await admin.call(acme, 'POST', '/connections/acme-idp/disable');
  expect(await admin.call(acme, 'POST', '/connections/acme-idp/test-link')).toMatchObject({
    status: 400,
    body: { error: 'connection_disabled' },
  });
  await admin.call(acme, 'POST', '/connections/acme-idp/enable');
});

test('break-glass administrators: listed, named and un-named (audited); members and other organizations are 404', async () => {
  const ann = await admin.userId('ann@acme.test');
  expect((await admin.call(acme, 'GET', '/policies/break-glass')).body.items).toEqual([
    { id: ann, email: 'ann@acme.test', name: null, break_glass: false },
  ]);
  expect(await admin.call(acme, 'PUT', `/users/${ann}/break-glass`, { on: true })).toMatchObject({
    status: 200,
    body: { break_glass: true },
  });
  const events = (await admin.call(acme, 'GET', '/audit-events?type=admin.break_glass_set')).body.items as Array<{ data: unknown }>;
  expect(events[0].data).toMatchObject({ target: ann, before: { break_glass: false }, after: { break_glass: true } });
  expect((await admin.call(acme, 'PUT', `/users/${await admin.userId('bob@acme.test')}/break-glass`, { on: true })).status).toBe(404);
  expect((await admin.call(acme, 'PUT', `/users/${await admin.userId('gil@globex.test')}/break-glass`, { on: true })).status).toBe(404);
  expect((await admin.call(acme, 'PUT', `/users/${ann}/break-glass`, { on: 'yes' })).status).toBe(400);
  await admin.call(acme, 'PUT', `/users/${ann}/break-glass`, { on: false });
  expect(((await admin.call(acme, 'GET', '/policies/break-glass')).body.items as Array<{ break_glass: boolean }>)[0].break_glass).toBe(
    false,
  );
});
