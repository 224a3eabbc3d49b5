/**
 * Apps in the admin API and the admin center: an operator sees and changes every app (launcher
 * fields, who may use it); an organization's administrator sees the apps for everyone and those
 * listing their organization, only their organization's entries of each, and changes only those
 * entries on apps that already list their organization (other organizations' entries are kept);
 * bad URLs are 400; every change is an audit event with before/after; the center page does the same.
 */
import { createFactorStore } from '../../src/factors/store.js';
import { PageClient } from '../helpers/browser.js';
import { countStatements } from '../helpers/database.js';
import { setUpAdmin } from '../helpers/admin-api.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { pageText, throughAdminStepUp } from '../helpers/sign-in.js';

let server: TestServer;
let admin: Awaited<ReturnType<typeof setUpAdmin>>;
let acme: string;
let globex: string;
let operator: string;
const cli = { who: 'cli', operator: true };

async function addClient(id: string, name: string) {
  await server.services.clients.upsert({
    client_id: id,
    client_name: name,
    redirect_uris: [`https://${id}.example.test/cb`],
    token_endpoint_auth_method: 'none',
    initiate_login_uri: `https://${id}.example.test/login`,
  });
}

beforeAll(async () => {
  server = await startTestServer();
  admin = await setUpAdmin(server);
  const factors = createFactorStore(server.services.db);
  await factors.addGroupMember(await admin.orgId('acme'), 'sales', await admin.userId('bob@acme.test'));
  await factors.addGroupMember(await admin.orgId('globex'), 'sales', await admin.userId('gil@globex.test'));
  await addClient('open-wiki', 'Open Wiki');
  await addClient('acme-crm', 'Acme CRM');
  await addClient('globex-erp', 'Globex ERP');
  await addClient('shared-chat', 'Shared Chat');
  const set = server.services.appAdmin.setAccess;
  await set(undefined, cli, 'oidc-acme-crm', { everyone: false, organizations: ['acme'], groups: [] });
  await set(undefined, cli, 'oidc-globex-erp', { everyone: false, organizations: ['globex'], groups: [] });
  await set(undefined, cli, 'oidc-shared-chat', { everyone: false, organizations: ['acme'], groups: ['globex/sales'] });
  [acme, globex, operator] = await Promise.all(['acme-admin', 'globex-admin', 'operator-admin'].map((c) => admin.token(c)));
});
afterAll(() => server?.close());

type AppItem = { id: string; access: { organizations: string[]; groups: string[] } | null; trial_url: string | null };
const list = async (token: string) => ((await admin.call(token, 'GET', '/apps')).body.items as AppItem[]).map((a) => [a.id, a.access]);

test('an operator sees every app; an organization administrator the ones for everyone and their own, with their entries only', async () => {
  expect(await list(operator)).toEqual([
    ['oidc-acme-crm', { organizations: ['acme'], groups: [] }],
    ['oidc-globex-erp', { organizations: ['globex'], groups: [] }],
    ['oidc-open-wiki', null],
    ['oidc-shared-chat', { organizations: ['acme'], groups: ['globex/sales'] }],
  ]);
  expect(await list(acme)).toEqual([
    ['oidc-acme-crm', { organizations: ['acme'], groups: [] }],
    ['oidc-open-wiki', null],
    ['oidc-shared-chat', { organizations: ['acme'], groups: [] }],
  ]);
  expect(await list(globex)).toEqual([
    ['oidc-globex-erp', { organizations: ['globex'], groups: [] }],
    ['oidc-open-wiki', null],
    ['oidc-shared-chat', { organizations: [], groups: ['globex/sales'] }],
  ]);
  expect((await admin.call(globex, 'GET', '/apps/oidc-acme-crm')).status).toBe(404);
  const doc = (await (await fetch(`${server.url}/api/admin/v1/openapi.json`)).json()) as { paths: Record<string, unknown> };
  expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/apps', '/apps/{id}', '/apps/{id}/access']));
});

test("an organization administrator changes only their organization's entries, on apps that list it", async () => {
  const res = await admin.call(acme, 'PUT', '/apps/oidc-shared-chat/access', { groups: ['sales'] });
  expect(res.status).toBe(200);
  expect(res.body.access).toEqual({ organizations: [], groups: ['acme/sales'] });
  // Globex's entry is kept.
  expect((await admin.call(operator, 'GET', '/apps/oidc-shared-chat')).body.access).toEqual({
    organizations: [],
    groups: ['acme/sales', 'globex/sales'],
  });
  const refused = [
    [await admin.call(acme, 'PUT', '/apps/oidc-open-wiki/access', { organizations: ['acme'] }), 403, 'operator_only'],
    [await admin.call(acme, 'PUT', '/apps/oidc-acme-crm/access', { everyone: true }), 403, 'operator_only'],
    [await admin.call(acme, 'PUT', '/apps/oidc-acme-crm', { trial_url: 'https://acme.example.test/ask' }), 403, 'operator_only'],
    [await admin.call(acme, 'PUT', '/apps/oidc-acme-crm/access', { organizations: ['globex'] }), 400, 'unknown_organization'],
    [await admin.call(acme, 'PUT', '/apps/oidc-acme-crm/access', { groups: ['globex/sales'] }), 400, 'unknown_organization'],
    [await admin.call(acme, 'PUT', '/apps/oidc-acme-crm/access', { groups: ['nope'] }), 400, 'unknown_group'],
    [await admin.call(acme, 'PUT', '/apps/oidc-globex-erp/access', { organizations: ['acme'] }), 404, 'not_found'],
  ] as const;
  for (const [r, status, code] of refused) expect([r.status, r.body.error]).toEqual([status, code]);
  expect((await admin.call(operator, 'GET', '/apps/oidc-acme-crm')).body).toMatchObject({
    trial_url: null,
    access: { organizations: ['acme'], groups: [] },
  });
  // The change is in acme's audit log, with before and after.
  const events = (await admin.call(acme, 'GET', '/audit-events?type=admin.app_access_changed')).body.items as Array<{
    actor: string;
    data: Record<string, unknown>;
  }>;
  expect(events).toHaveLength(1);
  expect(events[0].actor).toBe('client:acme-admin');
  expect(events[0].data).toMatchObject({
    target: 'oidc-shared-chat',
    before: { organizations: ['acme'], groups: [] },
    after: { organizations: [], groups: ['acme/sales'] },
  });
});

test('an operator sets launcher fields (https only) and opens an app to everyone; each change is audited', async () => {
  const bad = await admin.call(operator, 'PUT', '/apps/oidc-acme-crm', { trial_url: 'javascript:alert(1)' });
  expect([bad.status, bad.body.error]).toEqual([400, 'invalid_input']);
  const ok = await admin.call(operator, 'PUT', '/apps/oidc-acme-crm', {
    names: { fr: 'CRM d’Acme' },
    trial_url: 'https://crm.example.test/trial',
  });
  expect(ok.status).toBe(200);
  expect(ok.body).toMatchObject({ names: { fr: 'CRM d’Acme' }, trial_url: 'https://crm.example.test/trial' });
  expect((await admin.call(operator, 'PUT', '/apps/oidc-globex-erp/access', { everyone: true })).body.access).toBeNull();
  const [updated] = await server.services.audit.recent({ type: 'admin.app_updated' });
  expect(updated).toMatchObject({ actor: 'client:operator-admin', client_id: 'acme-crm' });
  expect(updated.data).toMatchObject({ before: { trial_url: null }, after: { trial_url: 'https://crm.example.test/trial' } });
  const byOperator = (await server.services.audit.recent({ type: 'admin.app_access_changed' })).filter(
    (e) => e.actor === 'client:operator-admin',
  );
  expect(byOperator).toHaveLength(1);
  expect(byOperator[0].data).toMatchObject({ target: 'oidc-globex-erp', after: null });
});

let ann: PageClient; // signed in to the admin center by the test below, kept for the next one

test('the admin center lists the apps and changes who may use them (CSRF, translated errors)', async () => {
  ann = new PageClient(server.url);
  await throughAdminStepUp(ann, 'ann@acme.test', '/admin/apps?org=acme');
  expect(ann.last.url).toBe(`${server.url}/admin/apps?org=acme`);
  expect(ann.title()).toBe('Apps');
  const text = pageText(ann.last.body);
  expect(text).toContain('Acme CRM');
  expect(text).toContain('Open Wiki');
  // Globex ERP is for everyone since the test above; globex's group on Shared Chat is not shown to acme.
  expect(text).toContain('Globex ERP');
  expect(text).not.toContain('globex/sales');
  expect(text).toContain('Only an operator of Wayfinder changes who may use this app.');

  await ann.post('/admin/apps/oidc-acme-crm/access?org=acme', { groups: 'sales', whole_org: 'yes' }, { csrf: 'wrong' });
  expect(ann.last.status).toBe(403);
  await ann.get('/admin/apps?org=acme');
  await ann.post('/admin/apps/oidc-acme-crm/access?org=acme', { groups: 'ghosts', whole_org: 'yes' });
  expect(ann.last.status).toBe(400);
  expect(ann.last.body).toContain('One of these groups does not exist in your organization.');
  await ann.post('/admin/apps/oidc-acme-crm/access?org=acme', { groups: 'sales', whole_org: '' });
  expect(ann.last.body).toContain('Saved: who may use the app has changed.');
  expect((await admin.call(operator, 'GET', '/apps/oidc-acme-crm')).body.access).toEqual({ organizations: [], groups: ['acme/sales'] });
  const [event] = await server.services.audit.recent({ type: 'admin.app_access_changed' });
  expect(event.actor).toBe(`user:${await admin.userId('ann@acme.test')}`);
});

test('the admin center apps page reads who may change each app in one go: as many statements for 24 apps as for 4 (regression: three per app)', async () => {
  const statements = countStatements(server.services.db);
  try {
    const counted = async () => {
      const before = statements.count;
      await ann.get('/admin/apps?org=acme');
      expect(ann.last.status).toBe(200);
      return statements.count - before;
    };
    await counted(); // caches warm
    const few = await counted();
    const manageLinks = () => (ann.last.body.match(/href="\/admin\/apps\/[^"?]+\?org=acme"/g) ?? []).length;
    const ownBefore = manageLinks();
    for (let i = 0; i < 20; i += 1) {
      await addClient(`bulk-${i}`, `Bulk ${i}`);
      if (i % 2)
        await server.services.appAdmin.setAccess(undefined, cli, `oidc-bulk-${i}`, {
          everyone: false,
          organizations: ['acme'],
          groups: [],
        });
    }
    await counted();
    expect(await counted()).toBe(few);
    // The ten restricted to acme alone are acme's to change; the ten open to everyone are not.
    expect(manageLinks()).toBe(ownBefore + 10);
  } finally {
    statements.restore();
  }
});
