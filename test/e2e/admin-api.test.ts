/**
 * The admin API end to end over real HTTP: admin clients from the bootstrap file, client-credentials
 * tokens, people (list, search, cursor, invite with its mail, disable revoking tokens at once,
 * enable), SCIM tokens (created once, used by SCIM, listed with their last use, revoked), the
 * two-step policy, the audit log (every change recorded with org, actor, target, before/after;
 * filters; CSV and JSON lines export), scopes, and the OpenAPI 3.1 document validated.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { newMail, startWithMail, type Harness } from '../helpers/sign-in.js';
import { setUpAdmin } from '../helpers/admin-api.js';
import { PageClient } from '../helpers/browser.js';
import * as oidc from 'openid-client';
import { addApp, authorize, openMyAccount, redeem } from '../helpers/sign-in.js';

let h: Harness;
let admin: Awaited<ReturnType<typeof setUpAdmin>>;
let acme: string;

beforeAll(async () => {
  h = await startWithMail();
  admin = await setUpAdmin(h.server);
  acme = await admin.token('acme-admin');
});
afterAll(() => h?.close());

test('the OpenAPI 3.1 document is public and valid; the reference page lists every operation', async () => {
  const res = await fetch(`${h.server.url}/api/admin/v1/openapi.json`);
  expect(res.status).toBe(200);
  const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
  expect(doc.openapi).toBe('3.1.0');
  const result = await new Validator().validate(doc as never);
  expect(result).toEqual({ valid: true });
  expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/users', '/users/{id}', '/scim-tokens', '/audit-events/export']));
  const page = await (await fetch(`${h.server.url}/api/admin/v1/reference`)).text();
  for (const p of Object.keys(doc.paths)) expect(page).toContain(p.replace(/[{}]/g, (c) => c));
});

test('no token, a wrong token, a token for another API, a read-only token: 401 / 403 in one JSON shape', async () => {
  expect(await admin.call('nope', 'GET', '/users')).toMatchObject({ status: 401, body: { error: 'invalid_token' } });
  const noAuth = await fetch(`${h.server.url}/api/admin/v1/users`);
  expect(noAuth.status).toBe(401);
  expect(noAuth.headers.get('www-authenticate')).toContain('Bearer');
  const reader = await admin.token('read-only', 'admin:read');
  expect((await admin.call(reader, 'GET', '/users')).status).toBe(200);
  expect(await admin.call(reader, 'POST', '/scim-tokens', {})).toMatchObject({ status: 403, body: { error: 'insufficient_scope' } });
  const forScim = await fetch(`${h.server.url}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from('acme-admin:admin-client-secret-0123456789-abcdefgh').toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'admin:read' }),
  });
  const opaque = ((await forScim.json()) as { access_token?: string }).access_token ?? 'x';
  expect((await admin.call(opaque, 'GET', '/users')).status).toBe(401);
  expect(await admin.call(acme, 'GET', '/users?limit=0')).toMatchObject({ status: 400, body: { error: 'invalid_input' } });
  expect(await admin.call(acme, 'GET', '/nothing-here')).toMatchObject({ status: 404, body: { error: 'not_found' } });
  expect((await admin.call(await admin.token('operator-admin'), 'GET', '/users')).body.error).toBe('org_required');
});

test('people: list with search and cursor, get, invite (mail), disable revokes tokens at once, enable', async () => {
  const first = await admin.call(acme, 'GET', '/users?limit=2');
  expect(first.status).toBe(200);
  const items = first.body.items as Array<{ email: string }>;
  expect(items.map((u) => u.email)).toEqual(['ann@acme.test', 'bob@acme.test']);
  const second = await admin.call(acme, 'GET', `/users?limit=2&cursor=${encodeURIComponent(String(first.body.next))}`);
  expect((second.body.items as Array<{ email: string }>).map((u) => u.email)).toEqual(['both@shared.test']);
  expect(second.body.next).toBeNull();
  expect(((await admin.call(acme, 'GET', '/users?q=BO')).body.items as unknown[]).length).toBe(2);
  expect(((await admin.call(acme, 'GET', '/users?q=%25')).body.items as unknown[]).length).toBe(0);

  const mail = await newMail(h.sink, 'new.hire@acme.test', /./, async () => {
    const invited = await admin.call(acme, 'POST', '/users', { email: 'new.hire@acme.test', name: 'New Hire', role: 'member' });
    expect(invited).toMatchObject({ status: 201, body: { email: 'new.hire@acme.test', status: 'invited' } });
  });
  expect(mail.text).toContain('Acme');
  expect(await admin.call(acme, 'POST', '/users', { email: 'gil@globex.test' })).toMatchObject({
    status: 409,
    body: { error: 'account_exists' },
  });

  // Bob signs in to My account; disabling him ends that session at once.
  const bob = new PageClient(h.server.url);
  await openMyAccount(bob, 'bob@acme.test');
  expect((await bob.get('/account')) && bob.title()).toBe('My account');
  const bobId = await admin.userId('bob@acme.test');
  // ... and an app of his holds a refresh token and an access token from that session.
  const notes = await addApp(h.server, 'acme-notes');
  const a = await authorize(notes, bob);
  const tokens = await redeem(notes, a.url, a);
  const kinds = async () =>
    (await h.server.testDb.database.db.selectFrom('oidc_models').select('kind').where('account_id', '=', bobId).execute())
      .map((r) => r.kind)
      .filter((k) => ['Session', 'RefreshToken', 'AccessToken'].includes(k))
      .sort();
  expect(await kinds()).toEqual(['AccessToken', 'RefreshToken', 'Session']);
  const userinfo = () => fetch(`${h.server.url}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
  expect((await userinfo()).status).toBe(200);
  expect(await admin.call(acme, 'POST', `/users/${bobId}/disable`)).toMatchObject({ status: 200, body: { status: 'disabled' } });
  await bob.get('/account');
  expect(bob.last.url).toContain('/interaction/');
  expect(await kinds()).toEqual([]);
  expect((await userinfo()).status).toBe(401);
  await expect(oidc.refreshTokenGrant(notes, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  expect(await admin.call(acme, 'POST', `/users/${bobId}/enable`)).toMatchObject({ status: 200, body: { status: 'active' } });
  // A person of two organizations is disabled only by an operator.
  const both = await admin.userId('both@shared.test');
  expect(await admin.call(acme, 'POST', `/users/${both}/disable`)).toMatchObject({ status: 409, body: { error: 'member_elsewhere' } });
  const op = await admin.token('operator-admin');
  expect(await admin.call(op, 'POST', `/users/${both}/disable?org=acme`)).toMatchObject({ status: 200 });
  await admin.call(op, 'POST', `/users/${both}/enable?org=acme`);

  const events = await admin.call(acme, 'GET', `/audit-events?type=admin.user_disabled`);
  const event = (events.body.items as Array<Record<string, unknown>>).find((e) => e.user_id === bobId)!;
  expect(event).toMatchObject({ actor: 'client:acme-admin', org_id: await admin.orgId('acme'), ip: expect.any(String) });
  expect(event.request_id).toBeTruthy();
  expect(event.data).toMatchObject({ target: bobId, before: { status: 'active' }, after: { status: 'disabled' } });
});

test('SCIM tokens: created once, work at /scim/v2, listed with last use, revoked', async () => {
  const created = await admin.call(acme, 'POST', '/scim-tokens', { label: 'Entra' });
  expect(created.status).toBe(201);
  const token = String(created.body.token);
  const scim = () => fetch(`${h.server.url}/scim/v2/Users`, { headers: { authorization: `Bearer ${token}` } });
  expect((await scim()).status).toBe(200);
  const listed = (await admin.call(acme, 'GET', '/scim-tokens')).body.items as Array<Record<string, unknown>>;
  const mine = listed.find((t) => t.id === created.body.id)!;
  expect(mine).toMatchObject({ label: 'Entra', revoked_at: null });
  expect(mine.last_used_at).not.toBeNull();
  expect(JSON.stringify(listed)).not.toContain(token);
  expect((await admin.call(acme, 'DELETE', `/scim-tokens/${String(created.body.id)}`)).status).toBe(204);
  expect((await scim()).status).toBe(401);
  expect((await admin.call(acme, 'DELETE', '/scim-tokens/st_0000000000000000')).status).toBe(404);
});

test('SCIM provisioning-error notification address: set, read, cleared; a bad address is refused', async () => {
  expect(await admin.call(acme, 'PUT', '/scim-notify', { email: 'it@acme.test', language: 'fr' })).toMatchObject({
    status: 200,
    body: { email: 'it@acme.test', language: 'fr' },
  });
  expect((await admin.call(acme, 'GET', '/scim-notify')).body).toEqual({ email: 'it@acme.test', language: 'fr' });
  expect((await admin.call(acme, 'PUT', '/scim-notify', { email: 'not-an-address' })).status).toBe(400);
  expect((await admin.call(acme, 'PUT', '/scim-notify', { email: null })).body).toEqual({ email: null, language: null });
});

test('two-step policy: read, set (audited with before and after), refused when invalid', async () => {
  expect((await admin.call(acme, 'GET', '/policies/two-step')).body).toMatchObject({ required: 'off' });
  const set = await admin.call(acme, 'PUT', '/policies/two-step', { required: 'all', primary_method: 'totp', trusted_device_days: 7 });
  expect(set).toMatchObject({ status: 200, body: { required: 'all', trusted_device_days: 7 } });
  expect((await admin.call(acme, 'PUT', '/policies/two-step', { required: 'all', primary_method: 'sms' })).status).toBe(400);
  const events = (await admin.call(acme, 'GET', '/audit-events?type=admin.two_step_policy_set')).body.items as Array<{
    data: Record<string, unknown>;
  }>;
  expect(events[0].data).toMatchObject({ before: { required: 'off' }, after: { required: 'all' } });
  await admin.call(acme, 'PUT', '/policies/two-step', { required: 'off', primary_method: 'totp' });
});

test('audit log: filters, cursor, CSV (formulas escaped) and JSON lines exports', async () => {
  const all = await admin.call(acme, 'GET', '/audit-events?limit=2');
  expect((all.body.items as unknown[]).length).toBe(2);
  const next = await admin.call(acme, 'GET', `/audit-events?limit=2&cursor=${String(all.body.next)}`);
  expect(Number((next.body.items as Array<{ id: string }>)[0].id)).toBeLessThan(Number((all.body.items as Array<{ id: string }>)[1].id));
  const future = await admin.call(acme, 'GET', `/audit-events?from=${encodeURIComponent(new Date(Date.now() + 3600e3).toISOString())}`);
  expect(future.body.items).toEqual([]);
  type Row = { id: string; at: string; type: string; user_id: string | null; org_id: string | null };
  const rows = async (token: string, query: string) => (await admin.call(token, 'GET', `/audit-events?${query}`)).body.items as Row[];
  // By person: only bob's events (his disable and enable above), newest first.
  const bobId = await admin.userId('bob@acme.test');
  const bobs = await rows(acme, `user=${bobId}`);
  expect(bobs.length).toBeGreaterThan(1);
  expect(new Set(bobs.map((e) => e.user_id))).toEqual(new Set([bobId]));
  expect(bobs.map((e) => e.type)).toEqual(expect.arrayContaining(['admin.user_disabled', 'admin.user_enabled']));
  // By time range: `to` before the first event is empty; a range around now holds them all.
  const oldest = bobs[bobs.length - 1];
  expect(await rows(acme, `user=${bobId}&to=${encodeURIComponent(new Date(Date.parse(oldest.at) - 60e3).toISOString())}`)).toEqual([]);
  const around = `from=${encodeURIComponent(new Date(Date.now() - 3600e3).toISOString())}&to=${encodeURIComponent(new Date(Date.now() + 60e3).toISOString())}`;
  expect((await rows(acme, `user=${bobId}&${around}`)).map((e) => e.id)).toEqual(bobs.map((e) => e.id));
  // An operator reads one organization's log by naming it; another organization's administrator sees none of acme's.
  const op = await admin.token('operator-admin');
  const opRows = await rows(op, `org=acme&user=${bobId}`);
  expect(opRows.map((e) => e.id)).toEqual(bobs.map((e) => e.id));
  const globex = await admin.token('globex-admin');
  expect(await rows(globex, `user=${bobId}`)).toEqual([]);
  const csv = await admin.call(acme, 'GET', '/audit-events/export?format=csv');
  expect(csv.status).toBe(200);
  expect(csv.headers.get('content-type')).toContain('text/csv');
  expect(csv.text.split('\n')[0]).toBe('id,at,type,outcome,org_id,actor,user_id,client_id,ip,request_id,data');
  expect(csv.text).toContain('admin.user_disabled');
  const jsonl = await admin.call(acme, 'GET', '/audit-events/export?format=jsonl');
  const lines = jsonl.text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { org_id: string });
  expect(lines.length).toBeGreaterThan(3);
  expect(new Set(lines.map((l) => l.org_id))).toEqual(new Set([await admin.orgId('acme')]));
  // A value that a spreadsheet would run as a formula is escaped.
  await h.server.services.audit.record(undefined, { type: '=HYPERLINK("http://evil")', outcome: 'info', orgId: await admin.orgId('acme') });
  const escaped = await admin.call(acme, 'GET', '/audit-events/export?format=csv');
  expect(escaped.text).toContain(`"'=HYPERLINK(""http://evil"")"`);
});

test('company sign-in: domains claimed and checked, connections enabled and disabled, SSO only refused before a test sign-in, factors reset', async () => {
  const claimed = await admin.call(acme, 'POST', '/domains', { domain: 'Acme-Corp.test' });
  expect(claimed).toMatchObject({ status: 201, body: { domain: 'acme-corp.test', verified: false } });
  expect(String((claimed.body.record as { name: string }).name)).toBe('_wayfinder-verification.acme-corp.test');
  const check = await admin.call(acme, 'POST', '/domains/acme-corp.test/verify');
  expect(check.status).toBe(200);
  expect(check.body).toMatchObject({ verified: false });
  expect(['record_missing', 'dns_error']).toContain(check.body.outcome);
  expect((await admin.call(acme, 'POST', '/domains', { domain: 'not a domain' })).status).toBe(400);

  await h.server.features.connections.save({
    id: 'acme-okta',
    orgId: await admin.orgId('acme'),
    kind: 'oidc',
    name: 'Acme Okta',
    secret: 'acme-okta-secret-0123456789abcdef',
    settings: { issuer: 'https://acme.okta.test', client_id: 'wayfinder' },
  });
  expect(await admin.call(acme, 'POST', '/connections/acme-okta/disable')).toMatchObject({ status: 200, body: { enabled: false } });
  expect(await admin.call(acme, 'POST', '/connections/acme-okta/enable')).toMatchObject({ status: 200, body: { enabled: true } });
  expect(await admin.call(acme, 'PUT', '/policies/sso-only', { on: true })).toMatchObject({
    status: 409,
    body: { error: 'sso_only_untested' },
  });
  expect(await admin.call(acme, 'GET', '/policies/sso-only')).toMatchObject({ body: { mode: 'off' } });

  const bob = await admin.userId('bob@acme.test');
  expect(await admin.call(acme, 'POST', `/users/${bob}/reset-factors`)).toMatchObject({ status: 200 });
  const types = ((await admin.call(acme, 'GET', '/audit-events?limit=20')).body.items as Array<{ type: string }>).map((e) => e.type);
  expect(types).toEqual(
    expect.arrayContaining(['admin.factors_reset', 'admin.connection_enabled', 'admin.connection_disabled', 'admin.domain_claimed']),
  );
});
