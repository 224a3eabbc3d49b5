/**
 * SCIM sorting (RFC 7644 §3.4.2.3) over real HTTP: sortBy on every supported attribute (case-insensitive
 * names, with and without the schema URN), sortOrder ascending / descending in any case, missing values
 * last when ascending and first when descending, a multi-valued attribute by its primary (else first)
 * value, ties broken by id so pages never overlap, combined with a filter and startIndex/count, the same
 * through POST /Users/.search and /Groups/.search; an unknown sortBy or sortOrder → 400 invalidValue;
 * the root /.search → 501; ServiceProviderConfig advertises sort.
 */
import { filterQuery, scimOrg, type ScimClient } from '../helpers/scim.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
const SEARCH = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';

let server: TestServer;
let scim: ScimClient;
const id: Record<string, string> = {};

const people: Array<[string, Record<string, unknown>]> = [
  [
    'dave',
    {
      displayName: 'Same',
      externalId: 'b',
      name: { familyName: 'Young', givenName: 'Dave' },
      emails: [
        { type: 'home', value: 'aaa@acme.test' },
        { type: 'work', value: 'dave@acme.test', primary: true },
      ],
    },
  ],
  ['Alice', { displayName: 'same', externalId: 'B', name: { familyName: 'adams', givenName: 'alice' } }],
  ['carol', { displayName: 'Other', externalId: 'a', name: { familyName: 'Xu', givenName: 'Carol' } }],
  ['Bob', { name: { familyName: 'baker', givenName: 'bob' } }],
  ['eve', { displayName: 'Zed', externalId: 'c', emails: [{ value: '0first@acme.test' }, { value: 'eve@acme.test' }] }],
];

beforeAll(async () => {
  server = await startTestServer();
  scim = (await scimOrg(server, 'acme', 'acme.test')).scim;
  for (const [n, extra] of people) {
    const res = await scim.post('/Users', {
      schemas: [CORE],
      userName: `${n}@acme.test`,
      emails: [{ primary: true, type: 'work', value: `${n.toLowerCase()}@acme.test` }],
      active: true,
      ...extra,
    });
    expect(res.status).toBe(201);
    id[n] = res.body.id;
  }
  for (const name of ['beta', 'Alpha', 'gamma']) {
    const res = await scim.post('/Groups', { displayName: name, externalId: `g-${name}` });
    expect(res.status).toBe(201);
    id[name] = res.body.id;
  }
});
afterAll(() => server?.close());

/** The people of a list, by the name they were created under. */
const who = (resources: Array<{ id: string }>) => resources.map((r) => Object.keys(id).find((k) => id[k] === r.id));
const sorted = async (query: string, path = '/Users') => {
  const res = await scim.get(`${path}?${query}`);
  expect(res.status).toBe(200);
  return who(res.body.Resources);
};
/** The two people whose displayName is "same" (any case), in id order: the tie-breaker. */
const sameByIdAsc = () => ['dave', 'Alice'].sort((a, b) => (id[a] < id[b] ? -1 : 1));

test('ServiceProviderConfig advertises sorting', async () => {
  expect((await scim.get('/ServiceProviderConfig')).body.sort).toEqual({ supported: true });
});

test('sortBy each supported attribute, ascending and descending, case-insensitive where the RFC says', async () => {
  expect(await sorted('sortBy=userName')).toEqual(['Alice', 'Bob', 'carol', 'dave', 'eve']);
  expect(await sorted('sortBy=userName&sortOrder=descending')).toEqual(['eve', 'dave', 'carol', 'Bob', 'Alice']);
  // externalId is case-exact: code point order ("B" < "a"); Bob has none: last when ascending, first when descending.
  expect(await sorted('sortBy=externalId')).toEqual(['Alice', 'carol', 'dave', 'eve', 'Bob']);
  expect(await sorted('sortBy=externalId&sortOrder=descending')).toEqual(['Bob', 'eve', 'dave', 'carol', 'Alice']);
  expect(await sorted('sortBy=name.familyName')).toEqual(['Alice', 'Bob', 'carol', 'dave', 'eve']);
  expect(await sorted('sortBy=name.givenName&sortOrder=Descending')).toEqual(['eve', 'dave', 'carol', 'Bob', 'Alice']);
  // The primary email (dave's is dave@, not his first, aaa@), else the first (eve's 0first@).
  expect(await sorted('sortBy=emails')).toEqual(['eve', 'Alice', 'Bob', 'carol', 'dave']);
  expect(await sorted('sortBy=emails.value&sortOrder=descending')).toEqual(['dave', 'carol', 'Bob', 'Alice', 'eve']);
  // "Same" and "same" tie: the id decides, in the sort's direction.
  expect(await sorted('sortBy=displayName')).toEqual(['carol', ...sameByIdAsc(), 'eve', 'Bob']);
  expect(await sorted('sortBy=displayName&sortOrder=descending')).toEqual(['Bob', 'eve', ...sameByIdAsc().reverse(), 'carol']);
  expect(await sorted('sortBy=meta.created')).toEqual(['dave', 'Alice', 'carol', 'Bob', 'eve']);
});

test('attribute names in any case and with the schema URN; sortOrder in any case; sortOrder alone changes nothing', async () => {
  expect(await sorted(`sortBy=${encodeURIComponent(`${CORE}:name.familyName`)}&sortOrder=DESCENDING`)).toEqual([
    'eve',
    'dave',
    'carol',
    'Bob',
    'Alice',
  ]);
  expect(await sorted('sortBy=USERNAME&sortOrder=Ascending')).toEqual(['Alice', 'Bob', 'carol', 'dave', 'eve']);
  expect(await sorted('sortOrder=descending')).toEqual(['dave', 'Alice', 'carol', 'Bob', 'eve']);
});

test('meta.lastModified follows a change', async () => {
  const res = await scim.patch(`/Users/${id.carol}`, [{ op: 'replace', path: 'title', value: 'Lead' }]);
  expect(res.status).toBe(200);
  const order = await sorted('sortBy=meta.lastModified');
  expect(order[order.length - 1]).toBe('carol');
  expect((await sorted('sortBy=meta.lastModified&sortOrder=descending'))[0]).toBe('carol');
});

test('with a filter and pagination: totalResults counts the filtered set, pages follow the sort without overlap', async () => {
  const res = await scim.get(
    `/Users${filterQuery('userName ne "eve@acme.test"', '&sortBy=userName&sortOrder=descending&startIndex=2&count=2')}`,
  );
  expect(res.status).toBe(200);
  expect([res.body.totalResults, res.body.startIndex, res.body.itemsPerPage]).toEqual([4, 2, 2]);
  expect(who(res.body.Resources)).toEqual(['carol', 'Bob']);
  // Page by one through a sort with a tie: every person exactly once, in the full list's order.
  const pages: unknown[] = [];
  for (let start = 1; start <= 5; start += 1) pages.push(...(await sorted(`sortBy=displayName&startIndex=${start}&count=1`)));
  expect(pages).toEqual(await sorted('sortBy=displayName'));
});

test('an unknown sortBy or sortOrder → 400 invalidValue, never a 500', async () => {
  for (const query of ['sortBy=password', 'sortBy=members', 'sortBy=emails.type', 'sortBy=userName&sortOrder=sideways']) {
    const res = await scim.get(`/Users?${query}`);
    expect([res.status, res.body.scimType, res.body.status]).toEqual([400, 'invalidValue', '400']);
  }
  const res = await scim.get('/Groups?sortBy=userName');
  expect([res.status, res.body.scimType]).toEqual([400, 'invalidValue']);
});

test('groups sort by displayName, externalId and meta.created', async () => {
  expect(await sorted('sortBy=displayName', '/Groups')).toEqual(['Alpha', 'beta', 'gamma']);
  expect(await sorted('sortBy=displayname&sortOrder=descending', '/Groups')).toEqual(['gamma', 'beta', 'Alpha']);
  expect(await sorted('sortBy=externalId', '/Groups')).toEqual(['Alpha', 'beta', 'gamma']);
  expect(await sorted('sortBy=meta.created&sortOrder=descending', '/Groups')).toEqual(['gamma', 'Alpha', 'beta']);
});

test('POST /Users/.search and /Groups/.search take the same query as JSON; the root /.search → 501', async () => {
  const users = await scim.post('/Users/.search', {
    schemas: [SEARCH],
    filter: 'userName ne "eve@acme.test"',
    sortBy: 'name.familyName',
    sortOrder: 'descending',
    startIndex: 1,
    count: 3,
    attributes: ['userName'],
  });
  expect(users.status).toBe(200);
  expect(users.body.totalResults).toBe(4);
  expect(who(users.body.Resources)).toEqual(['dave', 'carol', 'Bob']);
  expect(Object.keys(users.body.Resources[0]).sort()).toEqual(['id', 'meta', 'schemas', 'userName']);

  const groups = await scim.post('/Groups/.search', { schemas: [SEARCH], sortBy: 'displayName', count: 2 });
  expect([groups.status, groups.body.totalResults]).toEqual([200, 3]);
  expect(who(groups.body.Resources)).toEqual(['Alpha', 'beta']);

  const unknownSort = await scim.post('/Users/.search', { schemas: [SEARCH], sortBy: 'nickName' });
  expect([unknownSort.status, unknownSort.body.scimType]).toEqual([400, 'invalidValue']);
  const notASearch = await scim.post('/Users/.search', { schemas: ['urn:example:other'], sortBy: 'userName' });
  expect(notASearch.status).toBe(400);
  const root = await scim.post('/.search', { schemas: [SEARCH] });
  expect(root.status).toBe(501);
});
