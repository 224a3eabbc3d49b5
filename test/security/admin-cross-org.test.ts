/**
 * Generated over the admin API's own OpenAPI document, so a new operation cannot skip it: another
 * organization's administrator (globex) gets 404 for every operation that names one of acme's
 * resources, and operations without an id answer only with globex's own data (nothing of acme's —
 * ids, addresses, token labels — appears in any answer). A path whose resource this test does not
 * know fails the test until it is added here.
 */
import { startTestServer, type TestServer } from '../helpers/server.js';
import { setUpAdmin } from '../helpers/admin-api.js';
import { SAML } from '@node-saml/node-saml';
import { spKeys } from '../helpers/saml-sp.js';

async function spMetadata(host: string) {
  const keys = await spKeys();
  return new SAML({
    issuer: `https://${host}/metadata`,
    callbackUrl: `https://${host}/acs`,
    idpCert: keys.certificate,
  }).generateServiceProviderMetadata(null, keys.certificate);
}

let server: TestServer;
let admin: Awaited<ReturnType<typeof setUpAdmin>>;

beforeAll(async () => {
  server = await startTestServer();
  admin = await setUpAdmin(server);
});
afterAll(() => server?.close());

test("every operation of the document: another organization's resources are 404, lists show none of them", async () => {
  const acme = await admin.token('acme-admin');
  const globex = await admin.token('globex-admin');
  // Resources of acme, one per kind of id the document's paths name.
  const scimToken = (await admin.call(acme, 'POST', '/scim-tokens', { label: 'acme-secret-label' })).body.id as string;
  expect((await admin.call(acme, 'POST', '/domains', { domain: 'acme-only.test' })).status).toBe(201);
  expect((await admin.call(acme, 'PUT', '/scim-notify', { email: 'alerts@acme-only.test' })).status).toBe(200);
  expect((await admin.call(acme, 'PUT', '/branding', { product_name: 'Acme Secret Brand' })).status).toBe(200);
  await server.features.connections.save({
    id: 'acme-entra',
    orgId: await admin.orgId('acme'),
    kind: 'oidc',
    name: 'Acme Entra ID',
    secret: 'acme-connection-secret-0123456789',
    settings: { issuer: 'https://login.acme-only.test', client_id: 'wayfinder' },
  });
  // An app only acme's people may use.
  await server.services.clients.upsert({
    client_id: 'acme-only-app',
    client_name: 'Acme Only App',
    redirect_uris: ['https://acme-only-app.example.test/cb'],
    token_endpoint_auth_method: 'none',
  });
  await server.services.appAdmin.setAccess(undefined, { who: 'cli', operator: true }, 'oidc-acme-only-app', {
    everyone: false,
    organizations: ['acme'],
    groups: [],
  });
  // An OIDC app acme's administrator registered (for acme only).
  const acmeOidc = (
    await admin.call(acme, 'POST', '/apps/oidc', { client_id: 'acme-oidc-only', redirect_uris: ['https://acme-oidc-only.test/cb'] })
  ).body.id as string;
  expect(acmeOidc).toBe('oidc-acme-oidc-only');
  // A SAML app acme's administrator uploaded (for acme only).
  const acmeSaml = (await admin.call(acme, 'POST', '/apps/saml', { metadata: await spMetadata('acme-saml-only.test') })).body.id as string;
  expect(acmeSaml).toMatch(/^saml-/);
  const group = (await admin.call(acme, 'POST', '/groups', { name: 'acme-secret-group' })).body.id as string;
  expect((await admin.call(acme, 'POST', `/groups/${group}/members`, { user_id: await admin.userId('ann@acme.test') })).status).toBe(200);
  const acmeIds: Record<string, string> = {
    users: await admin.userId('ann@acme.test'),
    'scim-tokens': scimToken,
    domains: 'acme-only.test',
    connections: 'acme-entra',
    apps: 'oidc-acme-only-app',
    groups: group,
  };
  const acmeMarkers = [
    acmeIds.users,
    scimToken,
    'ann@acme.test',
    'bob@acme.test',
    'acme-secret-label',
    'acme-only.test',
    'acme-entra',
    'acme-only-app',
    'Acme Only App',
    'Acme Secret Brand',
    'acme-secret-group',
    group,
    acmeSaml,
    'acme-saml-only.test',
    'acme-oidc-only',
    await admin.orgId('acme'),
  ];

  const doc = (await (await fetch(`${server.url}/api/admin/v1/openapi.json`)).json()) as {
    paths: Record<string, Record<string, { requestBody?: unknown; operationId: string }>>;
  };
  const bodies: Record<string, unknown> = {
    inviteUser: { email: 'someone.new@globex.test' },
    createScimToken: { label: 'globex' },
    setTwoStepPolicy: { required: 'off', primary_method: 'totp' },
    claimDomain: { domain: 'globex-only.test' },
    setSsoOnly: { on: false },
    setScimNotify: { email: 'it@globex.test' },
    updateApp: { trial_url: 'https://globex.example.test/trial' },
    setAppAccess: { organizations: ['globex'] },
    setBranding: { primary_color: '#14532d' },
    createGroup: { name: 'globex-group' },
    setBreakGlass: { on: true },
    setSessionLengths: { max_session_hours: null, remember_days: null },
    renameGroup: { name: 'renamed-by-globex' },
    addGroupMember: { user_id: await admin.userId('gil@globex.test') },
    registerSamlApp: { metadata: await spMetadata('globex-saml.test') },
    replaceSamlMetadata: { metadata: await spMetadata('acme-saml-only.test') },
    registerOidcApp: { client_id: 'globex-oidc-app', redirect_uris: ['https://globex-oidc.example.test/cb'] },
    createConnection: { id: 'globex-idp', kind: 'oidc', name: 'Globex IdP', issuer: 'https://login.globex.test', client_id: 'wayfinder' },
    replaceConnection: {
      id: 'acme-entra',
      kind: 'oidc',
      name: 'Taken by Globex',
      issuer: 'https://login.globex.test',
      client_id: 'globex',
    },
    replaceOidcMetadata: { client_id: 'acme-only-app', redirect_uris: ['https://globex-took-it.example.test/cb'] },
  };
  // More resources of a kind: a named operation is checked for each (an app: acme's OIDC client and its SAML SP).
  const moreIds: Record<string, string[]> = { apps: [acmeSaml, acmeOidc] };
  let checked = 0;
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const kind = path.split('/')[1];
      const named = path.includes('{');
      if (named && !acmeIds[kind]) throw new Error(`add an acme resource for ${path} to this test`);
      if (op.requestBody && !(op.operationId in bodies)) throw new Error(`add a body for ${op.operationId} to this test`);
      // {id}: acme's resource of the path's kind; {user_id}: an acme person.
      const urlFor = (id: string) => path.replace(/\{(\w+)\}/g, (_m, name: string) => (name === 'user_id' ? acmeIds.users : id));
      const res = await admin.call(globex, method.toUpperCase(), urlFor(acmeIds[kind]), bodies[op.operationId]);
      if (named) {
        expect([op.operationId, res.status]).toEqual([op.operationId, 404]);
        for (const other of moreIds[kind] ?? []) {
          const again = await admin.call(globex, method.toUpperCase(), urlFor(other), bodies[op.operationId]);
          expect([op.operationId, other, again.status]).toEqual([op.operationId, other, 404]);
        }
      } else {
        expect([op.operationId, res.status < 300]).toEqual([op.operationId, true]);
        for (const marker of acmeMarkers) expect([op.operationId, res.text.includes(marker)]).toEqual([op.operationId, false]);
      }
      checked += 1;
    }
  }
  expect(checked).toBe(Object.values(doc.paths).reduce((n, m) => n + Object.keys(m).length, 0));
  expect(checked).toBeGreaterThanOrEqual(12);
  // Acme's token still works: globex's DELETE did nothing.
  const listed = (await admin.call(acme, 'GET', '/scim-tokens')).body.items as Array<{ id: string; revoked_at: string | null }>;
  expect(listed.find((t) => t.id === scimToken)?.revoked_at).toBeNull();
  expect((await admin.call(acme, 'GET', '/scim-notify')).body.email).toBe('alerts@acme-only.test');
  expect((await admin.call(acme, 'GET', '/branding')).body).toMatchObject({ product_name: 'Acme Secret Brand' });
  expect((await admin.call(acme, 'GET', '/branding')).body.primary_color).toBeUndefined();
  // Acme's connection is still there, enabled and unchanged, its domain still claimed by acme.
  expect((await admin.call(acme, 'GET', '/connections')).body.items).toEqual([
    expect.objectContaining({ id: 'acme-entra', name: 'Acme Entra ID', enabled: true }),
  ]);
  expect((await server.features.connections.find('acme-entra'))?.connection.settings.client_id).toBe('wayfinder');
  expect(((await admin.call(acme, 'GET', '/domains')).body.items as Array<{ domain: string }>).map((x) => x.domain)).toContain(
    'acme-only.test',
  );
  // Acme's app is untouched: still acme's only, no trial URL.
  expect((await admin.call(acme, 'GET', '/apps/oidc-acme-only-app')).body).toMatchObject({
    trial_url: null,
    access: { organizations: ['acme'], groups: [] },
  });
  // Acme's OIDC apps keep their redirect URIs (globex's replacement was a 404).
  expect((await server.services.clients.metadata('acme-only-app'))?.redirect_uris).toEqual(['https://acme-only-app.example.test/cb']);
  expect((await admin.call(acme, 'GET', `/apps/${acmeOidc}`)).body).toMatchObject({ access: { organizations: ['acme'], groups: [] } });
  // Acme's SAML app is still there, for acme only.
  expect((await admin.call(acme, 'GET', `/apps/${acmeSaml}`)).body).toMatchObject({ access: { organizations: ['acme'], groups: [] } });
  // Acme's group keeps its name and its member.
  expect((await admin.call(acme, 'GET', `/groups/${group}`)).body).toMatchObject({ name: 'acme-secret-group', members: 1 });
  // Acme's people are untouched (globex's disable of ann was a 404).
  expect((await admin.call(acme, 'GET', `/users/${acmeIds.users}`)).body.status).toBe('active');
});
