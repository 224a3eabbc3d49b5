/**
 * SAML service providers registered through the admin API from their metadata (src/admin/saml-sps.ts):
 * an operator's SP is for everyone and a real SP (@node-saml/node-saml) signs in through it; an
 * organization's administrator's SP is for their organization only from the start, and they replace
 * and remove only SPs of their organization alone; bad metadata (malformed, no ACS, oversized, a NUL
 * byte, a DTD / XXE) is a 400 in the API's one error shape; every change is an audit event. The
 * admin center's apps page adds one from pasted metadata the same way.
 */
import { SAML } from '@node-saml/node-saml';
import { PageClient, signInWithPassword } from '../helpers/browser.js';
import { setUpAdmin } from '../helpers/admin-api.js';
import { addSp, postedForm, spKeys } from '../helpers/saml-sp.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { pageText, PASSWORD, throughAdminStepUp } from '../helpers/sign-in.js';

let server: TestServer;
let admin: Awaited<ReturnType<typeof setUpAdmin>>;
let acme: string;
let globex: string;
let operator: string;

beforeAll(async () => {
  server = await startTestServer();
  admin = await setUpAdmin(server);
  [acme, globex, operator] = await Promise.all([admin.token('acme-admin'), admin.token('globex-admin'), admin.token('operator-admin')]);
});
afterAll(() => server?.close());

async function metadataOf(host: string, acs = `https://${host}/acs`) {
  const keys = await spKeys();
  return new SAML({ issuer: `https://${host}/metadata`, callbackUrl: acs, idpCert: keys.certificate }).generateServiceProviderMetadata(
    null,
    keys.certificate,
  );
}

/** Registers an SP's metadata through the admin API as `token`; the SP signs in with node-saml. */
const viaApi = (token: string, out: { app?: Record<string, unknown> } = {}) => ({
  register: async (metadata: string) => {
    const res = await admin.call(token, 'POST', '/apps/saml', { metadata });
    expect(res.status).toBe(201);
    out.app = res.body;
    return String(res.body.ref);
  },
});

async function signIn(sp: Awaited<ReturnType<typeof addSp>>, email: string) {
  const page = new PageClient(server.url);
  await signInWithPassword(page, await page.get(await sp.saml.getAuthorizeUrlAsync('', undefined, {})), email, PASSWORD);
  return page;
}

test("an operator's uploaded SP is listed for everyone, and a real AuthnRequest signs in through it; the change is audited", async () => {
  const out: { app?: Record<string, unknown> } = {};
  const sp = await addSp(server, 'uploaded-crm', viaApi(operator, out));
  expect(out.app).toMatchObject({ id: `saml-${sp.id}`, kind: 'saml', ref: sp.id, name: sp.entityId, access: null });
  const listed = (await admin.call(globex, 'GET', '/apps')).body.items as Array<{ id: string }>;
  expect(listed.map((a) => a.id)).toContain(`saml-${sp.id}`);
  const page = await signIn(sp, 'gil@globex.test');
  const { profile } = await sp.saml.validatePostResponseAsync(postedForm(page).fields);
  expect(profile!.nameID).toBeTruthy();
  const [event] = await server.services.audit.recent({ type: 'admin.saml_sp_created' });
  expect(event).toMatchObject({ actor: 'client:operator-admin', client_id: sp.id });
  expect(event.data).toMatchObject({ target: `saml-${sp.id}`, entityId: sp.entityId, after: { acs: [sp.acsUrl] } });
  // Registering the same entity ID again is a conflict; an organization's administrator cannot change an SP open to everyone.
  expect((await admin.call(operator, 'POST', '/apps/saml', { metadata: sp.metadata })).body.error).toBe('already_registered');
  expect((await admin.call(acme, 'PUT', `/apps/saml-${sp.id}/saml-metadata`, { metadata: sp.metadata })).status).toBe(403);
  expect((await admin.call(acme, 'DELETE', `/apps/saml-${sp.id}`)).status).toBe(403);
  // The operator removes it: the SP is refused at once, the app gone, the removal audited.
  expect((await admin.call(operator, 'DELETE', `/apps/saml-${sp.id}`)).status).toBe(204);
  expect((await admin.call(operator, 'GET', `/apps/saml-${sp.id}`)).status).toBe(404);
  const refused = new PageClient(server.url);
  await refused.get(await sp.saml.getAuthorizeUrlAsync('', undefined, {}));
  expect(refused.last.status).toBe(400);
  const [removed] = await server.services.audit.recent({ type: 'admin.saml_sp_removed' });
  expect(removed.data).toMatchObject({ target: `saml-${sp.id}`, entityId: sp.entityId, before: { acs: [sp.acsUrl] } });
});

test("an organization administrator's SP is for their organization only; they replace and remove it, others get 404", async () => {
  const out: { app?: Record<string, unknown> } = {};
  const sp = await addSp(server, 'acme-wiki', viaApi(acme, out));
  const appId = `saml-${sp.id}`;
  expect(out.app).toMatchObject({ id: appId, access: { organizations: ['acme'], groups: [] } });
  expect((await admin.call(operator, 'GET', `/apps/${appId}`)).body.access).toEqual({ organizations: ['acme'], groups: [] });
  // Acme's people sign in; another organization's person is refused, and its administrator does not see it.
  expect((await sp.saml.validatePostResponseAsync(postedForm(await signIn(sp, 'ann@acme.test')).fields)).profile!.nameID).toBeTruthy();
  const stranger = await signIn(sp, 'gil@globex.test');
  expect(() => postedForm(stranger)).toThrow();
  for (const [method, path, body] of [
    ['GET', `/apps/${appId}`, undefined],
    ['PUT', `/apps/${appId}/saml-metadata`, { metadata: sp.metadata }],
    ['DELETE', `/apps/${appId}`, undefined],
  ] as const)
    expect([method, (await admin.call(globex, method, path, body)).status]).toEqual([method, 404]);
  // New metadata (a new ACS) with settings kept; another entity ID is refused; SHA-1 is for operators.
  const settings = { display_name: 'Acme Wiki', sign: 'response' as const };
  expect((await admin.call(acme, 'PUT', `/apps/${appId}/saml-metadata`, { metadata: sp.metadata, settings })).body.name).toBe('Acme Wiki');
  const moved = await metadataOf('acme-wiki.example.test', 'https://acme-wiki.example.test/new-acs');
  const replaced = await admin.call(acme, 'PUT', `/apps/${appId}/saml-metadata`, { metadata: moved });
  expect(replaced).toMatchObject({ status: 200, body: { id: appId, name: 'Acme Wiki', access: { organizations: ['acme'] } } });
  const [updated] = (await admin.call(acme, 'GET', '/audit-events?type=admin.saml_sp_updated')).body.items as Array<{
    actor: string;
    data: Record<string, unknown>;
  }>;
  expect(updated).toMatchObject({
    actor: 'client:acme-admin',
    data: {
      target: appId,
      before: { acs: [sp.acsUrl], settings: { display_name: 'Acme Wiki' } },
      after: { acs: ['https://acme-wiki.example.test/new-acs'], settings: { display_name: 'Acme Wiki', sign: 'response' } },
    },
  });
  const other = await admin.call(acme, 'PUT', `/apps/${appId}/saml-metadata`, { metadata: await metadataOf('other.example.test') });
  expect(other).toMatchObject({ status: 400, body: { error: 'entity_id_mismatch' } });
  const sha1 = await admin.call(acme, 'POST', '/apps/saml', {
    metadata: await metadataOf('sha1.example.test'),
    settings: { allow_sha1: true },
  });
  expect(sha1).toMatchObject({ status: 403, body: { error: 'operator_only' } });
  // Shared with another organization, it is no longer acme's alone.
  await server.services.appAdmin.setAccess(undefined, { who: 'cli', operator: true }, appId, {
    everyone: false,
    organizations: ['acme', 'globex'],
    groups: [],
  });
  expect((await admin.call(acme, 'DELETE', `/apps/${appId}`)).status).toBe(403);
  await server.services.appAdmin.setAccess(undefined, { who: 'cli', operator: true }, appId, {
    everyone: false,
    organizations: ['acme'],
    groups: [],
  });
  expect((await admin.call(acme, 'DELETE', `/apps/${appId}`)).status).toBe(204);
  const removed = (await admin.call(acme, 'GET', '/audit-events?type=admin.saml_sp_removed')).body.items as Array<{
    data: Record<string, unknown>;
  }>;
  expect(removed[0].data).toMatchObject({ target: appId, entityId: sp.entityId });
  expect((await admin.call(acme, 'GET', `/apps/${appId}`)).status).toBe(404);
});

test('bad metadata is a 400 in the one error shape, never a 500, and changes nothing', async () => {
  const good = await metadataOf('bad-cases.example.test');
  const cases: Record<string, unknown> = {
    malformed: { metadata: '<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata"' },
    not_xml: { metadata: 'hello' },
    no_acs: { metadata: good.replace(/<(\w+:)?AssertionConsumerService [^>]*\/>/g, '') },
    oversized: { metadata: good.replace('<', `<!-- ${'x'.repeat(server.services.config.saml.maxMessageBytes)} -->\n<`) },
    nul_byte: { metadata: good.replace('entityID=', '\u0000entityID=') },
    xxe: { metadata: `<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]>${good.replace(/^<\?xml[^>]*>/, '')}` },
    dtd_entity: { metadata: '<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>' },
    empty: { metadata: '' },
    missing: {},
    unknown_setting: { metadata: good, settings: { sign: 'never' } },
    extra_field: { metadata: good, owner: 'acme' },
  };
  const created = async () => (await server.services.audit.recent({ type: 'admin.saml_sp_created' })).length;
  const before = await created();
  for (const [name, body] of Object.entries(cases)) {
    const res = await admin.call(operator, 'POST', '/apps/saml', body);
    expect([name, res.status]).toEqual([name, 400]);
    expect([name, typeof res.body.error, typeof res.body.error_description]).toEqual([name, 'string', 'string']);
  }
  expect((await admin.call(operator, 'POST', '/apps/saml', cases.xxe)).body.error_description).toMatch(/not acceptable \(dtd\)/);
  expect((await admin.call(operator, 'POST', '/apps/saml', cases.no_acs)).body.error_description).toMatch(/AssertionConsumerService/);
  // A body beyond the upload limit is refused before it is read (413), in the same shape.
  const huge = await admin.call(operator, 'POST', '/apps/saml', { metadata: 'x'.repeat(2_200_000) });
  expect(huge.status).toBe(413);
  expect(huge.body.error).toBeTruthy();
  expect(await created()).toBe(before);
  expect(await server.features.saml.registry.findByEntityId('https://bad-cases.example.test/metadata')).toBeUndefined();
});

test('the admin center adds a SAML app from pasted metadata: CSRF, translated errors, for the organization only, audited', async () => {
  const ann = new PageClient(server.url);
  await throughAdminStepUp(ann, 'ann@acme.test', '/admin/apps?org=acme');
  expect(ann.last.url).toBe(`${server.url}/admin/apps?org=acme`);
  expect(pageText(ann.last.body)).toContain('Add a SAML app');
  const metadata = await metadataOf('center-sp.example.test');

  await ann.post('/admin/apps/saml?org=acme', { metadata }, { csrf: 'wrong' });
  expect(ann.last.status).toBe(403);
  await ann.get('/admin/apps?org=acme');
  await ann.post('/admin/apps/saml?org=acme', { metadata: '' });
  expect([ann.last.status, pageText(ann.last.body)]).toEqual([400, expect.stringContaining('Paste the metadata first.')]);
  await ann.post('/admin/apps/saml?org=acme', { metadata: '<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>' });
  expect(ann.last.status).toBe(400);
  expect(pageText(ann.last.body)).toContain('This metadata cannot be used. The problem:');
  expect(pageText(ann.last.body)).toContain('not acceptable (dtd)');
  expect(await server.features.saml.registry.findByEntityId('https://center-sp.example.test/metadata')).toBeUndefined();

  await ann.post('/admin/apps/saml?org=acme', { metadata });
  expect(ann.last.url).toBe(`${server.url}/admin/apps?org=acme&done=saml_added`);
  expect(pageText(ann.last.body)).toContain('Added: the SAML app is for your organization only.');
  const sp = await server.features.saml.registry.findByEntityId('https://center-sp.example.test/metadata');
  expect((await admin.call(operator, 'GET', `/apps/saml-${sp!.id}`)).body.access).toEqual({ organizations: ['acme'], groups: [] });
  const [event] = await server.services.audit.recent({ type: 'admin.saml_sp_created' });
  expect(event).toMatchObject({ actor: `user:${await admin.userId('ann@acme.test')}`, org_id: await admin.orgId('acme') });
  await ann.post('/admin/apps/saml?org=acme', { metadata });
  expect([ann.last.status, pageText(ann.last.body)]).toEqual([
    400,
    expect.stringContaining('A SAML app with this entity ID is registered already.'),
  ]);

  // The same page in French.
  const fr = await ann.get('/admin/apps?org=acme&lang=fr');
  expect(fr).toBeTruthy();
  expect(pageText(ann.last.body)).toContain('Ajouter une application SAML');
});

test('two organizations registering the same new entity ID at once: one gets it (for itself only), the other a 409', async () => {
  const metadata = await metadataOf('contested.example.test');
  const [a, b] = await Promise.all([
    admin.call(acme, 'POST', '/apps/saml', { metadata }),
    admin.call(globex, 'POST', '/apps/saml', { metadata }),
  ]);
  expect([a.status, b.status].sort()).toEqual([201, 409]);
  const winner = a.status === 201 ? a : b;
  const access = (await admin.call(operator, 'GET', `/apps/${String(winner.body.id)}`)).body.access as { organizations: string[] };
  expect(access.organizations).toHaveLength(1);
  // The store refuses too, whatever the use-case saw: an existing SP is never restricted to another organization.
  const register = server.features.saml.registry.register(metadata, {}, { restrictTo: await admin.orgId('globex') });
  await expect(register).rejects.toMatchObject({ status: 409, code: 'already_registered' });
  expect((await admin.call(operator, 'GET', `/apps/${String(winner.body.id)}`)).body.access).toEqual(access);
});
