/**
 * Company IdP connections and domains over the admin API (issue 14): an organization's administrator
 * creates OIDC and SAML connections with the CLI file entry's schema (the secret sealed, never
 * answered or audited), replaces and removes them, removes domains and verifies one by DNS (a local
 * DNS server); SSO only can never be left without a tested connection or a verified domain (409);
 * another organization's connection or domain is 404; a bad entry is 400 naming its field.
 */
import { startTestServer, type TestServer } from '../helpers/server.js';
import { setUpAdmin } from '../helpers/admin-api.js';
import { startDnsServer } from '../helpers/dns-server.js';
import { startCompanySamlIdp, type CompanySamlIdp } from '../helpers/company-saml-idp.js';
import { createConnectorStore } from '../../src/connectors/store.js';

const SECRET = 'acme-oidc-client-secret-0123456789abcdef';
const SECRET2 = 'acme-oidc-client-secret-second-9876543210';

let server: TestServer;
let admin: Awaited<ReturnType<typeof setUpAdmin>>;
let dns: Awaited<ReturnType<typeof startDnsServer>>;
let idp: CompanySamlIdp;
let acme: string;
let globex: string;

const oidcEntry = (more: Record<string, unknown> = {}) => ({
  id: 'acme-okta',
  kind: 'oidc',
  name: 'Acme Okta',
  issuer: 'https://acme.okta.test',
  client_id: 'wayfinder',
  client_secret: SECRET,
  scopes: ['openid', 'email'],
  claims: { email: 'mail' },
  ...more,
});
const markTested = (id: string) => createConnectorStore(server.services.db).markTested(id);
const auditOf = async (type: string) =>
  (await admin.call(acme, 'GET', `/audit-events?type=${type}`)).body.items as Array<{ data: Record<string, unknown> }>;

beforeAll(async () => {
  dns = await startDnsServer();
  idp = await startCompanySamlIdp();
  server = await startTestServer({ federation: { allowPrivateNetworks: true, allowHttp: true, dnsServers: [dns.address] } });
  admin = await setUpAdmin(server);
  acme = await admin.token('acme-admin');
  globex = await admin.token('globex-admin');
});
afterAll(async () => {
  await server?.close();
  await idp?.close();
  await dns?.close();
});

test('an OIDC connection is created, listed, replaced (secret kept when left out) and audited without its secret', async () => {
  const created = await admin.call(acme, 'POST', '/connections', oidcEntry());
  expect(created).toMatchObject({
    status: 201,
    body: { id: 'acme-okta', kind: 'oidc', name: 'Acme Okta', enabled: true, tested: false, outcome: 'created' },
  });
  expect(created.text).not.toContain(SECRET);
  const saved = await server.features.connections.find('acme-okta');
  expect(saved?.connection.secret).toBe(SECRET);
  expect(saved?.row.secret_enc).not.toContain(SECRET);
  expect(saved?.connection.settings).toMatchObject({ scopes: ['openid', 'email'], claims: { email: 'mail' } });
  expect((await admin.call(acme, 'GET', '/connections')).body.items).toEqual([
    { id: 'acme-okta', name: 'Acme Okta', kind: 'oidc', enabled: true, tested: false },
  ]);
  // The same id again is a conflict (PUT replaces).
  expect(await admin.call(acme, 'POST', '/connections', oidcEntry())).toMatchObject({ status: 409, body: { error: 'connection_exists' } });

  // Replaced without the secret: the sealed one stays; a changed configuration forgets the test sign-in.
  await markTested('acme-okta');
  const { client_secret: _omit, ...withoutSecret } = oidcEntry({ name: 'Acme Okta SSO', issuer: 'https://login.acme.okta.test' });
  const replaced = await admin.call(acme, 'PUT', '/connections/acme-okta', withoutSecret);
  expect(replaced).toMatchObject({ status: 200, body: { name: 'Acme Okta SSO', outcome: 'changed', tested: false } });
  expect((await server.features.connections.find('acme-okta'))?.connection.secret).toBe(SECRET);
  expect((await server.features.connections.find('acme-okta'))?.connection.settings.issuer).toBe('https://login.acme.okta.test');
  const rotated = await admin.call(acme, 'PUT', '/connections/acme-okta', oidcEntry({ name: 'Acme Okta SSO', client_secret: SECRET2 }));
  expect(rotated).toMatchObject({ status: 200, body: { outcome: 'changed' } });
  expect(rotated.text).not.toContain(SECRET2);
  expect((await server.features.connections.find('acme-okta'))?.connection.secret).toBe(SECRET2);
  // The path names the connection: another id in the body is refused.
  expect(await admin.call(acme, 'PUT', '/connections/acme-okta', oidcEntry({ id: 'other-id' }))).toMatchObject({ status: 400 });

  const events = await auditOf('admin.connection_saved');
  expect(events.map((e) => e.data.outcome)).toEqual(expect.arrayContaining(['created', 'changed']));
  expect(events.find((e) => e.data.outcome === 'created')?.data).toMatchObject({
    target: 'acme-okta',
    after: { kind: 'oidc', name: 'Acme Okta', enabled: true },
  });
  expect(events.map((e) => e.data)).toContainEqual(
    expect.objectContaining({
      before: { kind: 'oidc', name: 'Acme Okta', enabled: true },
      after: expect.objectContaining({ name: 'Acme Okta SSO' }),
    }),
  );
  const all = JSON.stringify((await admin.call(acme, 'GET', '/audit-events')).body);
  expect(all).not.toContain(SECRET);
  expect(all).not.toContain(SECRET2);
});

test('a SAML connection from inline metadata: created, and its test sign-in link sends the administrator to the IdP', async () => {
  const created = await admin.call(acme, 'POST', '/connections', {
    id: 'acme-adfs',
    kind: 'saml',
    name: 'Acme ADFS',
    metadata: idp.metadata(),
    name_id_format: 'persistent',
    attributes: { email: 'mail' },
  });
  expect(created).toMatchObject({ status: 201, body: { id: 'acme-adfs', kind: 'saml', enabled: true, outcome: 'created' } });
  const link = await admin.call(acme, 'POST', '/connections/acme-adfs/test-link');
  expect(link.status).toBe(201);
  const res = await fetch(String(link.body.url), { redirect: 'manual' });
  expect(res.status).toBe(303);
  expect(res.headers.get('location')).toMatch(new RegExp(`^${idp.base}/sso\\?SAMLRequest=`));
});

test('bad entries are 400 and name the field; a server file is never read', async () => {
  const noIssuer = await admin.call(acme, 'POST', '/connections', oidcEntry({ id: 'acme-bad', issuer: undefined }));
  expect(noIssuer.status).toBe(400);
  expect(JSON.stringify(noIssuer.body)).toContain('issuer');
  const unknownKey = await admin.call(acme, 'POST', '/connections', oidcEntry({ id: 'acme-bad', colour: 'blue' }));
  expect(unknownKey.status).toBe(400);
  expect(JSON.stringify(unknownKey.body)).toContain('colour');
  const badXml = await admin.call(acme, 'POST', '/connections', { id: 'acme-bad', kind: 'saml', name: 'Bad', metadata: '<nope/>' });
  expect(badXml).toMatchObject({ status: 400, body: { error: 'invalid_connection' } });
  const file = await admin.call(acme, 'POST', '/connections', { id: 'acme-bad', kind: 'saml', name: 'Bad', metadata_file: '/etc/passwd' });
  expect(file.status).toBe(400);
  expect(JSON.stringify(file.body)).toContain('metadata_file');
  expect(await admin.call(acme, 'POST', '/connections', oidcEntry({ id: 'Not A Slug' }))).toMatchObject({ status: 400 });
  expect(await server.features.connections.find('acme-bad')).toBeUndefined();
});

test("another organization's administrator: acme's connections and domains are 404, and stay", async () => {
  expect((await admin.call(acme, 'POST', '/domains', { domain: 'acme-keep.test' })).status).toBe(201);
  expect((await admin.call(globex, 'PUT', '/connections/acme-okta', oidcEntry())).status).toBe(404);
  expect((await admin.call(globex, 'DELETE', '/connections/acme-okta')).status).toBe(404);
  expect((await admin.call(globex, 'DELETE', '/domains/acme-keep.test')).status).toBe(404);
  // An id taken by acme cannot be created by globex either (and nothing of acme's is answered).
  const taken = await admin.call(globex, 'POST', '/connections', oidcEntry());
  expect(taken.status).toBe(409);
  expect(taken.text).not.toContain('Acme');
  expect((await server.features.connections.find('acme-okta'))?.row.org_id).toBe(await admin.orgId('acme'));
  expect(((await admin.call(acme, 'GET', '/domains')).body.items as Array<{ domain: string }>).map((d) => d.domain)).toContain(
    'acme-keep.test',
  );
});

test('a domain verified by DNS through the API; under SSO only the last verified domain and the only tested connection stay, removed or switched off (409)', async () => {
  const claim = await admin.call(acme, 'POST', '/domains', { domain: 'acme-mail.test' });
  const record = claim.body.record as { name: string; value: string };
  expect((await admin.call(acme, 'POST', '/domains/acme-mail.test/verify')).body).toMatchObject({
    outcome: 'record_missing',
    verified: false,
  });
  dns.txt.set(record.name, [record.value]);
  expect(await admin.call(acme, 'POST', '/domains/acme-mail.test/verify')).toMatchObject({
    status: 200,
    body: { outcome: 'verified', verified: true, verified_by: 'dns' },
  });

  // SSO only on, through acme-adfs's test sign-in.
  await markTested('acme-adfs');
  expect((await admin.call(acme, 'PUT', '/policies/sso-only', { on: true })).body).toEqual({ mode: 'on' });
  // acme-okta is untested: removing it leaves acme-adfs.
  expect(await admin.call(acme, 'DELETE', '/connections/acme-adfs')).toMatchObject({ status: 409, body: { error: 'connection_in_use' } });
  expect(await admin.call(acme, 'DELETE', '/domains/acme-mail.test')).toMatchObject({ status: 409, body: { error: 'domain_in_use' } });
  // Nor can it be switched off (members would have no way in); the untested one can.
  expect(await admin.call(acme, 'POST', '/connections/acme-adfs/disable')).toMatchObject({
    status: 409,
    body: { error: 'connection_in_use' },
  });
  expect((await admin.call(acme, 'GET', '/connections')).body.items).toEqual(
    expect.arrayContaining([expect.objectContaining({ id: 'acme-adfs', enabled: true })]),
  );
  expect(await admin.call(acme, 'POST', '/connections/acme-okta/disable')).toMatchObject({ status: 200, body: { enabled: false } });
  expect(await admin.call(acme, 'POST', '/connections/acme-okta/enable')).toMatchObject({ status: 200, body: { enabled: true } });
  // An unverified claim can go at any time.
  expect((await admin.call(acme, 'DELETE', '/domains/acme-keep.test')).status).toBe(204);
  // With a second tested connection, the first can go.
  await markTested('acme-okta');
  expect((await admin.call(acme, 'DELETE', '/connections/acme-adfs')).status).toBe(204);
  expect(await admin.call(acme, 'DELETE', '/connections/acme-okta')).toMatchObject({ status: 409 });
  expect((await admin.call(acme, 'GET', '/connections')).body.items).toEqual([expect.objectContaining({ id: 'acme-okta' })]);
  expect(await server.features.connections.find('acme-adfs')).toBeUndefined();
  // SSO only off: everything may go.
  await admin.call(acme, 'PUT', '/policies/sso-only', { on: false });
  expect((await admin.call(acme, 'DELETE', '/domains/acme-mail.test')).status).toBe(204);
  expect((await admin.call(acme, 'DELETE', '/connections/acme-okta')).status).toBe(204);
  expect((await admin.call(acme, 'GET', '/connections')).body.items).toEqual([]);
  expect((await admin.call(acme, 'GET', '/domains')).body.items).toEqual([]);
  expect((await admin.call(acme, 'DELETE', '/domains/acme-mail.test')).status).toBe(404);

  expect((await auditOf('admin.connection_removed')).map((e) => e.data)).toEqual([
    expect.objectContaining({ target: 'acme-okta', before: { kind: 'oidc', name: 'Acme Okta SSO', enabled: true } }),
    expect.objectContaining({ target: 'acme-adfs', before: { kind: 'saml', name: 'Acme ADFS', enabled: true } }),
  ]);
  expect((await auditOf('admin.domain_removed')).map((e) => e.data)).toEqual([
    expect.objectContaining({ target: 'acme-mail.test', before: { verified: true } }),
    expect.objectContaining({ target: 'acme-keep.test', before: { verified: false } }),
  ]);
  expect((await auditOf('admin.domain_verified'))[0].data).toMatchObject({ target: 'acme-mail.test', by: 'dns' });
});

test("an operator manages an organization's connections and domains with ?org=", async () => {
  const op = await admin.token('operator-admin');
  expect((await admin.call(op, 'POST', '/connections', oidcEntry({ id: 'globex-op' }))).body.error).toBe('org_required');
  expect(await admin.call(op, 'POST', '/connections?org=globex', oidcEntry({ id: 'globex-op', name: 'Globex' }))).toMatchObject({
    status: 201,
    body: { id: 'globex-op', outcome: 'created' },
  });
  expect((await server.features.connections.find('globex-op'))?.row.org_id).toBe(await admin.orgId('globex'));
  expect((await admin.call(acme, 'DELETE', '/connections/globex-op')).status).toBe(404);
  expect((await admin.call(op, 'POST', '/domains?org=globex', { domain: 'globex-op.test' })).status).toBe(201);
  expect((await admin.call(op, 'DELETE', '/domains/globex-op.test?org=globex')).status).toBe(204);
  expect((await admin.call(op, 'DELETE', '/connections/globex-op?org=globex')).status).toBe(204);
  expect(await server.features.connections.find('globex-op')).toBeUndefined();
});

test('parallel creates of one id, from two organizations: one 201, the others refused; the connection stays with the winner', async () => {
  const entry = { ...oidcEntry(), id: 'raced-idp' };
  const answers = await Promise.all(
    Array.from({ length: 8 }, (_, i) => admin.call(i % 2 ? globex : acme, 'POST', '/connections', { ...entry, name: `Raced ${i}` })),
  );
  // One created; the same organization's others are told it exists (409), the other organization's that
  // the id is taken (400): never a second 201 that replaced it, never a 500.
  expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
  const refusals = answers.filter((a) => a.status !== 201).map((a) => `${a.status} ${String(a.body.error)}`);
  for (const r of refusals) expect(['409 connection_exists', '400 connection_taken']).toContain(r);
  const winner = answers.findIndex((a) => a.status === 201) % 2 ? 'globex' : 'acme';
  const saved = await server.features.connections.find('raced-idp');
  expect(saved?.row.org_id).toBe(await admin.orgId(winner));
  expect(saved?.row.name).toBe(answers.find((a) => a.status === 201)!.body.name);
  // Saved again for the other organization (the CLI's and bootstrap's add-or-replace path): refused, not moved.
  const loser = winner === 'acme' ? 'globex' : 'acme';
  const moved = server.features.connections.save({
    id: 'raced-idp',
    orgId: await admin.orgId(loser),
    kind: 'oidc',
    name: 'Moved',
    secret: SECRET,
    settings: { issuer: 'https://acme.okta.test', client_id: 'wayfinder' },
  });
  await expect(moved).rejects.toMatchObject({ status: 400, code: 'connection_taken' });
  expect((await server.features.connections.find('raced-idp'))?.row.org_id).toBe(await admin.orgId(winner));
  await admin.call(winner === 'acme' ? acme : globex, 'DELETE', '/connections/raced-idp');
});
