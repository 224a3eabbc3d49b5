/**
 * SCIM's rules at the edges, over real HTTP: tokens (missing, unknown, revoked, another
 * organization's → 401 / 404 in SCIM's error format), uniqueness (userName, externalId, email,
 * group displayName → 409 `uniqueness`), filters compiled to SQL (every operator, and/or/not,
 * parentheses, dates, case-insensitive names; bad ones → 400 `invalidFilter`), pagination,
 * attributes / excludedAttributes, If-Match (412), read-only attributes (`mutability`), a remove
 * without a path (`noTarget`), emails outside the organization's verified domains, bad JSON and
 * oversized bodies: always a SCIM error body, never a 500. Plus the self-description endpoints.
 */
import { filterQuery, scimClient, scimOrg, type ScimClient } from '../helpers/scim.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

let server: TestServer;
let acme: Awaited<ReturnType<typeof scimOrg>>;
let globex: Awaited<ReturnType<typeof scimOrg>>;
let scim: ScimClient;

const user = (userName: string, extra: Record<string, unknown> = {}) => ({
  schemas: [CORE],
  userName,
  emails: [{ primary: true, type: 'work', value: userName }],
  active: true,
  ...extra,
});
const error = (status: number, scimType?: string) => ({
  schemas: [ERROR],
  status: String(status),
  ...(scimType ? { scimType } : {}),
  detail: expect.any(String),
});

beforeAll(async () => {
  server = await startTestServer();
  acme = await scimOrg(server, 'acme', 'acme.test');
  globex = await scimOrg(server, 'globex', 'globex.test');
  scim = acme.scim;
});
afterAll(() => server?.close());

test("tokens: none, unknown or revoked → 401; another organization's people and groups → 404; its lists are empty", async () => {
  const alice = (await scim.post('/Users', user('alice@acme.test', { externalId: 'ext-alice' }))).body;
  const group = (await scim.post('/Groups', { displayName: 'Admins', members: [{ value: alice.id }] })).body;
  const anonymous = await fetch(`${scim.base}/Users`);
  expect(anonymous.status).toBe(401);
  expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="scim"');
  expect(await anonymous.json()).toEqual(error(401));
  expect((await scimClient(server, 'wfscim_not-a-real-token').get('/Users')).body).toEqual(error(401));

  const other = globex.scim;
  for (const res of [
    await other.get(`/Users/${alice.id}`),
    await other.patch(`/Users/${alice.id}`, [{ op: 'replace', path: 'active', value: false }]),
    await other.put(`/Users/${alice.id}`, user('alice@acme.test')),
    await other.delete(`/Users/${alice.id}`),
    await other.get(`/Groups/${group.id}`),
    await other.delete(`/Groups/${group.id}`),
  ]) {
    expect([res.status, res.body ?? error(404)]).toEqual([404, error(404)]);
  }
  expect((await other.get(`/Users${filterQuery('userName eq "alice@acme.test"')}`)).body.totalResults).toBe(0);
  expect((await other.get('/Groups')).body.totalResults).toBe(0);
  // Globex cannot put Acme's person in its group, nor provision an address of Acme's domain.
  const theirs = await other.post('/Groups', { displayName: 'Thieves', members: [{ value: alice.id }] });
  expect([theirs.status, theirs.body]).toEqual([400, error(400, 'invalidValue')]);
  const squat = await other.post('/Users', user('alice2@acme.test'));
  expect([squat.status, squat.body]).toEqual([400, error(400, 'invalidValue')]);
  // Acme's person is untouched.
  expect((await scim.get(`/Users/${alice.id}`)).body.active).toBe(true);

  const { token, id: tokenId } = await server.features.provisioning.tokens.create(undefined, { via: 'cli' }, acme.orgId);
  expect((await scimClient(server, token).get('/Users')).status).toBe(200);
  await server.features.provisioning.tokens.revoke(undefined, { via: 'cli' }, acme.orgId, tokenId);
  expect((await scimClient(server, token).get('/Users')).status).toBe(401);
  expect((await server.services.audit.recent({ type: 'scim.auth_failed', limit: 10 })).length).toBeGreaterThanOrEqual(3);
});

test('uniqueness: userName (any case), externalId, email and group displayName → 409 uniqueness', async () => {
  await scim.post('/Users', user('bob@acme.test', { externalId: 'ext-bob' }));
  for (const body of [
    user('BOB@acme.test'),
    user('bobby@acme.test', { externalId: 'ext-bob' }),
    user('robert', { emails: [{ primary: true, value: 'bob@acme.test' }] }),
  ]) {
    const res = await scim.post('/Users', body);
    expect([res.status, res.body]).toEqual([409, error(409, 'uniqueness')]);
  }
  const carol = (await scim.post('/Users', user('carol@acme.test'))).body;
  const clash = await scim.patch(`/Users/${carol.id}`, [{ op: 'replace', path: 'userName', value: 'Bob@Acme.test' }]);
  expect([clash.status, clash.body]).toEqual([409, error(409, 'uniqueness')]);
  // The same userName in another organization is fine (its own domain).
  expect((await globex.scim.post('/Users', user('bob@globex.test', { externalId: 'ext-bob' }))).status).toBe(201);
  // An account outside the organization with that email is not taken over.
  await server.services.users.create({ email: 'dora@acme.test', password: 'a long enough password 2026' });
  expect((await scim.post('/Users', user('dora@acme.test'))).status).toBe(409);
  await scim.post('/Groups', { displayName: 'Sales' });
  const dup = await scim.post('/Groups', { displayName: 'Sales' });
  expect([dup.status, dup.body]).toEqual([409, error(409, 'uniqueness')]);
});

test('filters: operators, and/or/not, parentheses, dates and emails, compiled to SQL; bad filters → invalidFilter', async () => {
  const names = ['f.one@acme.test', 'f.two@acme.test', 'g.three@acme.test'];
  const made: any[] = [];
  for (const [i, n] of names.entries()) {
    made.push(
      (
        await scim.post(
          '/Users',
          user(n, {
            externalId: `fx-${i}`,
            displayName: `Filter ${i}`,
            emails: [
              { type: 'work', value: n, primary: true },
              { type: 'home', value: `home${i}@example.test` },
            ],
          }),
        )
      ).body,
    );
  }
  const ids = async (filter: string) =>
    (await scim.get(`/Users${filterQuery(filter, '&count=1000')}`)).body.Resources.map((u: any) => u.id).sort();
  const of = (...i: number[]) => i.map((n) => made[n].id).sort();
  expect(await ids('userName sw "f." and userName ew "@acme.test"')).toEqual(of(0, 1));
  expect(await ids('username co "THREE"')).toEqual(of(2));
  expect(await ids('externalId eq "fx-1" or externalId eq "fx-2"')).toEqual(of(1, 2));
  expect(await ids('(externalId eq "fx-0" or externalId eq "fx-1") and not (displayName eq "filter 0")')).toEqual(of(1));
  expect(await ids('externalId sw "fx-" and externalId ne "fx-2"')).toEqual(of(0, 1));
  expect(await ids('emails[type eq "home" and value eq "HOME2@example.test"]')).toEqual(of(2));
  expect(await ids('emails[type eq "work"].value eq "f.two@acme.test"')).toEqual(of(1));
  expect(await ids('emails[type eq "home"].value eq "f.two@acme.test"')).toEqual([]);
  expect(await ids('emails.value co "home1@"')).toEqual(of(1));
  expect(await ids('externalId sw "fx-" and displayName pr')).toEqual(of(0, 1, 2));
  expect(await ids(`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "${names[0]}"`)).toEqual(of(0));
  const since = made[1].meta.lastModified;
  expect(await ids(`externalId sw "fx-" and meta.lastModified ge "${since}"`)).toEqual(of(1, 2));
  expect(await ids(`externalId sw "fx-" and meta.lastModified lt "${since}"`)).toEqual(of(0));
  expect(await ids('externalId sw "100%_"')).toEqual([]);

  for (const bad of [
    'userName eq',
    'nosuch eq "x"',
    'meta.lastModified gt "yesterday"',
    'active eq "maybe"',
    'userName eq "x" and (',
    'password eq "x"',
  ]) {
    const res = await scim.get(`/Users${filterQuery(bad)}`);
    expect([bad, res.status, res.body]).toEqual([bad, 400, error(400, 'invalidFilter')]);
  }
});

test('pagination, attributes and excludedAttributes', async () => {
  const all = await scim.get('/Users?count=1000');
  const total = all.body.totalResults;
  expect(total).toBeGreaterThan(4);
  const page = await scim.get('/Users?startIndex=2&count=2');
  expect([page.body.totalResults, page.body.startIndex, page.body.itemsPerPage]).toEqual([total, 2, 2]);
  expect(page.body.Resources.map((u: any) => u.id)).toEqual(all.body.Resources.slice(1, 3).map((u: any) => u.id));
  const counted = await scim.get('/Users?count=0');
  expect([counted.body.totalResults, counted.body.Resources]).toEqual([total, []]);
  const beyond = await scim.get(`/Users?startIndex=${total + 5}`);
  expect([beyond.body.totalResults, beyond.body.Resources]).toEqual([total, []]);
  const only = await scim.get('/Users?attributes=userName,name.givenName&count=1');
  expect(Object.keys(only.body.Resources[0]).sort()).toEqual(['id', 'meta', 'schemas', 'userName']);
  const without = await scim.get(`/Users/${all.body.Resources[0].id}?excludedAttributes=emails,Active`);
  expect(without.body.emails).toBeUndefined();
  expect(without.body.active).toBeUndefined();
  expect(without.body.userName).toBe(all.body.Resources[0].userName);
  const wrong = await scim.get('/Users?count=ten');
  expect([wrong.status, wrong.body]).toEqual([400, error(400, 'invalidSyntax')]);
});

test('If-Match, read-only attributes, a remove without a path, bad values, bad JSON, oversized bodies: SCIM errors, never a 500', async () => {
  const erin = (await scim.post('/Users', user('erin@acme.test'))).body;
  const stale = await scim.patch(`/Users/${erin.id}`, [{ op: 'replace', path: 'displayName', value: 'Erin' }], { 'if-match': 'W/"7"' });
  expect([stale.status, stale.body]).toEqual([412, error(412)]);
  const fresh = await scim.patch(`/Users/${erin.id}`, [{ op: 'replace', path: 'displayName', value: 'Erin' }], {
    'if-match': erin.meta.version,
  });
  expect([fresh.status, fresh.body.displayName, fresh.body.meta.version]).toEqual([200, 'Erin', 'W/"2"']);
  expect((await scim.put(`/Users/${erin.id}`, user('erin@acme.test'), { 'if-match': 'W/"1"' })).status).toBe(412);

  const cases: Array<[string, () => Promise<{ status: number; body: any }>, number, string | undefined]> = [
    ['id is read-only', () => scim.patch(`/Users/${erin.id}`, [{ op: 'replace', path: 'id', value: 'x' }]), 400, 'mutability'],
    ['remove needs a path', () => scim.patch(`/Users/${erin.id}`, [{ op: 'remove' }]), 400, 'noTarget'],
    ['unknown op', () => scim.patch(`/Users/${erin.id}`, [{ op: 'move', path: 'title', value: 'x' }]), 400, 'invalidSyntax'],
    ['bad path', () => scim.patch(`/Users/${erin.id}`, [{ op: 'add', path: 'emails[type eq', value: 'x' }]), 400, 'invalidPath'],
    [
      'bad path filter',
      () => scim.patch(`/Users/${erin.id}`, [{ op: 'add', path: 'emails[type eq].value', value: 'x' }]),
      400,
      'invalidFilter',
    ],
    [
      'active not a boolean',
      () => scim.patch(`/Users/${erin.id}`, [{ op: 'replace', path: 'active', value: 'perhaps' }]),
      400,
      'invalidValue',
    ],
    ['no userName', () => scim.post('/Users', { schemas: [CORE], emails: [{ value: 'x@acme.test' }] }), 400, 'invalidValue'],
    ['no email', () => scim.post('/Users', { schemas: [CORE], userName: 'just-a-name' }), 400, 'invalidValue'],
    ['foreign domain', () => scim.post('/Users', user('someone@gmail.test')), 400, 'invalidValue'],
    ['not JSON', () => scim.call('POST', '/Users', '{"userName": '), 400, 'invalidSyntax'],
    ['too large', () => scim.post('/Users', user('big@acme.test', { title: 'x'.repeat(1_100_000) })), 413, undefined],
    ['unknown endpoint', () => scim.get('/Bulk'), 404, undefined],
    ['unknown user', () => scim.get('/Users/00000000-0000-0000-0000-000000000000'), 404, undefined],
    ['group with no name', () => scim.post('/Groups', { members: [] }), 400, 'invalidValue'],
    ['group unknown attribute', () => scim.patch(`/Groups/nope`, [{ op: 'replace', path: 'owner', value: 'x' }]), 400, 'noTarget'],
  ];
  for (const [what, call, status, scimType] of cases) {
    const res = await call();
    expect([what, res.status, res.body]).toEqual([what, status, error(status, scimType)]);
  }
});

test('self-description: ServiceProviderConfig, ResourceTypes and Schemas', async () => {
  const config = await scim.get('/ServiceProviderConfig');
  expect(config.status).toBe(200);
  expect(config.body).toMatchObject({
    patch: { supported: true },
    bulk: { supported: false },
    filter: { supported: true, maxResults: 1000 },
    etag: { supported: true },
  });
  const types = await scim.get('/ResourceTypes');
  expect(types.body.Resources.map((t: any) => [t.id, t.endpoint])).toEqual([
    ['User', '/Users'],
    ['Group', '/Groups'],
  ]);
  const schemas = await scim.get('/Schemas');
  expect(schemas.body.Resources.map((s: any) => s.id)).toEqual([
    CORE,
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
    'urn:ietf:params:scim:schemas:core:2.0:Group',
  ]);
  expect((await scim.get(`/Schemas/${CORE}`)).body.attributes.find((a: any) => a.name === 'userName')).toMatchObject({
    required: true,
    uniqueness: 'server',
  });
});

test('a deleted person is kept (disabled) through the retention period, then purged with their account', async () => {
  const gone = (await scim.post('/Users', user('gone@acme.test'))).body;
  expect((await scim.delete(`/Users/${gone.id}`)).status).toBe(204);
  expect((await scim.delete(`/Users/${gone.id}`)).status).toBe(404);
  const { provisioning } = server.features;
  await provisioning.purgeDeleted();
  expect((await server.services.accounts.findUser(gone.id))?.status).toBe('disabled');
  // Past the retention period (as the purge loop sees it then).
  expect(await provisioning.store.purgeDeleted(new Date(Date.now() + 1000))).toBeGreaterThanOrEqual(1);
  expect(await server.services.accounts.findUser(gone.id)).toBeUndefined();
  expect((await scim.post('/Users', user('gone@acme.test'))).status).toBe(201);
});

test('an email added as primary becomes the sign-in address; the old one is no longer primary (regression)', async () => {
  const created = await scim.post('/Users', user('prim@acme.test'));
  expect(created.status).toBe(201);
  const id = created.body.id as string;
  const patched = await scim.patch(`/Users/${id}`, [
    { op: 'add', path: 'emails', value: [{ type: 'work', value: 'prim.new@acme.test', primary: 'True' }] },
  ]);
  expect(patched.status).toBe(200);
  expect(patched.body.emails).toEqual([
    { type: 'work', value: 'prim@acme.test', primary: false },
    { type: 'work', value: 'prim.new@acme.test', primary: true },
  ]);
  expect((await server.services.accounts.findUser(id))?.email).toBe('prim.new@acme.test');
  const found = await scim.get(`/Users${filterQuery('emails[type eq "work" and primary eq true].value eq "prim.new@acme.test"')}`);
  expect(found.body.totalResults).toBe(1);
});
