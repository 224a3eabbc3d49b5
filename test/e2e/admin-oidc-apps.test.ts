/**
 * OIDC clients registered through the admin API (src/admin/clients.ts): an organization's
 * administrator's client is for their organization only from the start (its people see it in the
 * launcher, others do not), and they replace and remove only clients of their organization alone
 * (another organization's administrator: 404; a shared app: 403); what reaches beyond signing people
 * in (client_credentials, admin scopes, first-party, a public client_credentials client) is refused;
 * an operator's client is for everyone; a duplicate client_id is a 409, also when registrations race;
 * secrets never reach the audit log; a removed client gets no more tokens.
 */
import { PageClient } from '../helpers/browser.js';
import type { ClientInput } from '../../src/clients/registry.js';
import { setUpAdmin } from '../helpers/admin-api.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { pageText, throughAdminStepUp } from '../helpers/sign-in.js';

let server: TestServer;
let admin: Awaited<ReturnType<typeof setUpAdmin>>;
let acme: string;
let globex: string;
let operator: string;

beforeAll(async () => {
  server = await startTestServer();
  admin = await setUpAdmin(server);
  [acme, globex, operator] = await Promise.all(['acme-admin', 'globex-admin', 'operator-admin'].map((c) => admin.token(c)));
});
afterAll(() => server?.close());

const app = (id: string, extra: Record<string, unknown> = {}) => ({
  client_id: id,
  client_name: `App ${id}`,
  redirect_uris: [`https://${id}.example.test/cb`],
  grant_types: ['authorization_code', 'refresh_token'],
  initiate_login_uri: `https://${id}.example.test/login`,
  ...extra,
});

const clientCredentials = (clientId: string, secret: string) =>
  fetch(`${server.url}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials' }),
  });

const launcherIds = async (email: string) =>
  (await server.services.launcher.forPerson(await admin.userId(email), 'en')).apps.map((c) => c.id);

test("an organization administrator's client is for their organization only; they replace and remove it, others get 404", async () => {
  const created = await admin.call(acme, 'POST', '/apps/oidc', app('acme-notes'));
  expect(created).toMatchObject({
    status: 201,
    body: {
      id: 'oidc-acme-notes',
      kind: 'oidc',
      ref: 'acme-notes',
      name: 'App acme-notes',
      access: { organizations: ['acme'], groups: [] },
    },
  });
  const secret = String(created.body.client_secret);
  expect(secret).toMatch(/^[\w-]{32}$/);
  expect((await admin.call(operator, 'GET', '/apps/oidc-acme-notes')).body.access).toEqual({ organizations: ['acme'], groups: [] });
  expect((await admin.call(acme, 'GET', '/apps/oidc-acme-notes')).body.client_secret).toBeUndefined();
  // Acme's people see it in their launcher; globex's do not.
  expect(await launcherIds('bob@acme.test')).toContain('oidc-acme-notes');
  expect(await launcherIds('gil@globex.test')).not.toContain('oidc-acme-notes');
  // Another organization's administrator does not find it.
  for (const [method, path, body] of [
    ['GET', '/apps/oidc-acme-notes', undefined],
    ['PUT', '/apps/oidc-acme-notes/oidc-metadata', app('acme-notes')],
    ['DELETE', '/apps/oidc-acme-notes', undefined],
  ] as const)
    expect([method, (await admin.call(globex, method, path, body)).status]).toEqual([method, 404]);
  // Replaced: new redirect URI, the secret kept; another client_id is refused.
  const replaced = await admin.call(acme, 'PUT', '/apps/oidc-acme-notes/oidc-metadata', {
    ...app('acme-notes'),
    client_name: 'Acme Notes',
    redirect_uris: ['https://notes.acme.test/cb'],
    initiate_login_uri: undefined,
  });
  expect(replaced).toMatchObject({ status: 200, body: { name: 'Acme Notes', access: { organizations: ['acme'] } } });
  expect(replaced.body.client_secret).toBeUndefined();
  const metadata = await server.services.clients.metadata('acme-notes');
  expect(metadata).toMatchObject({ client_secret: secret, redirect_uris: ['https://notes.acme.test/cb'] });
  const other = await admin.call(acme, 'PUT', '/apps/oidc-acme-notes/oidc-metadata', app('acme-other'));
  expect(other).toMatchObject({ status: 400, body: { error: 'client_id_mismatch' } });
  // Audited with before/after and acme's organization; no secret anywhere in the audit log.
  const [updated] = await server.services.audit.recent({ type: 'admin.client_updated' });
  expect(updated).toMatchObject({ actor: 'client:acme-admin', org_id: await admin.orgId('acme'), client_id: 'acme-notes' });
  expect(updated.data).toMatchObject({
    target: 'oidc-acme-notes',
    before: { client_name: 'App acme-notes', redirect_uris: ['https://acme-notes.example.test/cb'] },
    after: { client_name: 'Acme Notes', redirect_uris: ['https://notes.acme.test/cb'] },
  });
  const [createdEvent] = await server.services.audit.recent({ type: 'admin.client_created' });
  expect(createdEvent).toMatchObject({ org_id: await admin.orgId('acme'), data: { generatedSecret: true } });
  // Removed: gone from the API and the launcher, audited.
  expect((await admin.call(acme, 'DELETE', '/apps/oidc-acme-notes')).status).toBe(204);
  expect((await admin.call(acme, 'GET', '/apps/oidc-acme-notes')).status).toBe(404);
  expect(await server.services.clients.metadata('acme-notes')).toBeUndefined();
  expect(await launcherIds('bob@acme.test')).not.toContain('oidc-acme-notes');
  const [removed] = await server.services.audit.recent({ type: 'admin.client_removed' });
  expect(removed).toMatchObject({ org_id: await admin.orgId('acme'), data: { before: { client_name: 'Acme Notes' } } });
  expect(JSON.stringify(await server.services.audit.recent({ limit: 50 }))).not.toContain(secret);
});

test('an organization administrator may not register what reaches beyond signing people in, nor change shared apps', async () => {
  const refused = [
    app('acme-machine', { grant_types: ['authorization_code', 'client_credentials'] }),
    app('acme-scoped', { scope: 'openid admin:write' }),
    app('acme-first', { first_party: true }),
  ];
  for (const body of refused)
    expect([body.client_id, (await admin.call(acme, 'POST', '/apps/oidc', body)).body.error]).toEqual([body.client_id, 'operator_only']);
  const publicMachine = { client_id: 'pub-machine', grant_types: ['client_credentials'], token_endpoint_auth_method: 'none' };
  expect(await admin.call(operator, 'POST', '/apps/oidc', publicMachine)).toMatchObject({
    status: 400,
    body: { error: 'public_client_credentials' },
  });
  expect(
    (await admin.call(operator, 'POST', '/apps/oidc', { client_id: 'only-machine', grant_types: ['client_credentials'] })).body.error,
  ).toBe('not_an_app');
  for (const id of ['acme-machine', 'acme-scoped', 'acme-first', 'pub-machine', 'only-machine'])
    expect([id, await server.services.clients.metadata(id)]).toEqual([id, undefined]);
  // An app acme shares with globex (or one for everyone) is the operator's to replace or remove.
  expect((await admin.call(acme, 'POST', '/apps/oidc', app('acme-shared'))).status).toBe(201);
  const shared = await admin.call(operator, 'PUT', '/apps/oidc-acme-shared/access', { organizations: ['acme', 'globex'] });
  expect(shared.status).toBe(200);
  expect(await admin.call(acme, 'PUT', '/apps/oidc-acme-shared/oidc-metadata', app('acme-shared'))).toMatchObject({
    status: 403,
    body: { error: 'operator_only' },
  });
  expect((await admin.call(acme, 'DELETE', '/apps/oidc-acme-shared')).status).toBe(403);
  expect(await server.services.clients.metadata('acme-shared')).toBeDefined();
});

test("an operator's client is for everyone; a duplicate is a 409, also when registrations race; a removed client gets no tokens", async () => {
  const created = await admin.call(
    operator,
    'POST',
    '/apps/oidc',
    app('everyone-crm', { grant_types: ['authorization_code', 'client_credentials'] }),
  );
  expect(created).toMatchObject({ status: 201, body: { id: 'oidc-everyone-crm', access: null } });
  expect(await launcherIds('gil@globex.test')).toContain('oidc-everyone-crm');
  expect((await admin.call(operator, 'POST', '/apps/oidc', app('everyone-crm'))).body.error).toBe('already_registered');
  expect((await admin.call(acme, 'POST', '/apps/oidc', app('everyone-crm'))).status).toBe(409);
  expect((await admin.call(acme, 'DELETE', '/apps/oidc-everyone-crm')).status).toBe(403);
  // The client gets tokens until it is removed, then none.
  const secret = String(created.body.client_secret);
  expect((await clientCredentials('everyone-crm', secret)).status).toBe(200);
  expect((await admin.call(operator, 'DELETE', '/apps/oidc-everyone-crm')).status).toBe(204);
  const after = await clientCredentials('everyone-crm', secret);
  expect([after.status, ((await after.json()) as { error: string }).error]).toEqual([401, 'invalid_client']);
  // Eight registrations of one client_id at once (acme's and the operator's): one 201, the rest 409, never a 500.
  const raced = await Promise.all(
    Array.from({ length: 8 }, (_, i) => admin.call(i % 2 ? acme : operator, 'POST', '/apps/oidc', app('raced-app'))),
  );
  expect(raced.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
  const winner = raced.find((r) => r.status === 201)!;
  // The winner's access holds: acme's registration is acme's only, the operator's for everyone.
  expect((await admin.call(operator, 'GET', '/apps/oidc-raced-app')).body.access).toEqual(winner.body.access);
  // The store refuses too, whatever the use-case saw: an existing client is never restricted to another organization, nor rewritten.
  const again = server.services.clients.register(app('raced-app', { client_name: 'Taken' }) as ClientInput, {
    restrictTo: await admin.orgId('globex'),
  });
  await expect(again).rejects.toMatchObject({ status: 409, code: 'already_registered' });
  expect((await admin.call(operator, 'GET', '/apps/oidc-raced-app')).body).toMatchObject({
    name: 'App raced-app',
    access: winner.body.access,
  });
  expect(JSON.stringify(await server.services.audit.recent({ limit: 100 }))).not.toContain(secret);
});

/** An administrator in the admin center, past the step-up (a TOTP factor set up on the way). */
async function centerAs(email: string, org: string) {
  const page = new PageClient(server.url);
  await throughAdminStepUp(page, email, `/admin/apps?org=${org}`);
  expect(page.last.url).toBe(`${server.url}/admin/apps?org=${org}`);
  return page;
}

test("the admin center: an OIDC app added for the organization only, its secret once; removal needs CSRF; another organization's app is not found, a shared one not removable", async () => {
  const ann = await centerAs('ann@acme.test', 'acme');
  await ann.post('/admin/apps/oidc?org=acme', { name: '', redirect_uris: '', app_type: 'web' });
  expect([ann.last.status, pageText(ann.last.body)]).toEqual([400, expect.stringContaining('Give the app a name')]);
  await ann.post('/admin/apps/oidc?org=acme', { name: 'Acme Board', redirect_uris: 'not a url', app_type: 'spa' });
  expect([ann.last.status, pageText(ann.last.body)]).toEqual([400, expect.stringContaining('This app cannot be registered')]);
  await ann.post('/admin/apps/oidc?org=acme', { name: 'Acme Board', redirect_uris: 'https://board.acme.test/cb', app_type: 'spa' });
  expect(ann.last.status).toBe(201);
  expect(pageText(ann.last.body)).not.toContain('Client secret');
  const clientId = /<code>(acme-board-[0-9a-f]{8})<\/code>/.exec(ann.last.body)![1];
  expect(await server.services.clients.metadata(clientId)).toMatchObject({ token_endpoint_auth_method: 'none', client_name: 'Acme Board' });
  const appId = `oidc-${clientId}`;
  expect((await admin.call(operator, 'GET', `/apps/${appId}`)).body.access).toEqual({ organizations: ['acme'], groups: [] });
  const [event] = await server.services.audit.recent({ type: 'admin.client_created' });
  expect(event).toMatchObject({ actor: `user:${await admin.userId('ann@acme.test')}`, org_id: await admin.orgId('acme') });

  // Removing needs the confirmation form's CSRF token.
  await ann.get(`/admin/apps/${appId}/remove?org=acme`);
  expect(pageText(ann.last.body)).toContain('Remove Acme Board?');
  await ann.post(`/admin/apps/${appId}/remove?org=acme`, {}, { csrf: 'wrong' });
  expect(ann.last.status).toBe(403);
  expect(await server.services.clients.metadata(clientId)).toBeDefined();

  // Globex's administrator finds none of it; an app for everyone is shown without forms.
  const gil = await centerAs('gil@globex.test', 'globex');
  for (const path of [`/admin/apps/${appId}?org=globex`, `/admin/apps/${appId}/remove?org=globex`]) {
    await gil.get(path);
    expect([path, gil.last.status]).toEqual([path, 404]);
  }
  await gil.get('/admin/apps?org=globex');
  await gil.post(`/admin/apps/${appId}/remove?org=globex`, {});
  expect(gil.last.status).toBe(404);
  expect((await admin.call(operator, 'POST', '/apps/oidc', app('open-board'))).status).toBe(201);
  await gil.get('/admin/apps/oidc-open-board?org=globex');
  expect(gil.last.status).toBe(200);
  expect(pageText(gil.last.body)).toContain('only an operator of Wayfinder changes or removes it');
  expect(gil.last.body).not.toContain('/remove?');
  await gil.get('/admin/apps/oidc-open-board/remove?org=globex');
  expect(gil.last.status).toBe(403);
  await gil.get('/admin/apps?org=globex');
  await gil.post('/admin/apps/oidc-open-board/remove?org=globex', {});
  expect(gil.last.status).toBe(403);
  expect(await server.services.clients.metadata('open-board')).toBeDefined();

  // Ann removes her app with the form.
  await ann.get(`/admin/apps/${appId}/remove?org=acme`);
  await ann.post(`/admin/apps/${appId}/remove?org=acme`, {});
  expect(ann.last.url).toBe(`${server.url}/admin/apps?org=acme&done=app_removed`);
  expect(await server.services.clients.metadata(clientId)).toBeUndefined();
});
