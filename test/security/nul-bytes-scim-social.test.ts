/**
 * NUL bytes reach no database through the endpoints added after the provider's NUL guard: SCIM bodies
 * and filters, and social sign-in's start and callback addresses. Postgres refuses U+0000 in text and
 * jsonb; each must be a 4xx (SCIM's error format on SCIM), never a 500.
 */
import { scimOrg, type ScimClient } from '../helpers/scim.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
let server: TestServer;
let scim: ScimClient;

beforeAll(async () => {
  server = await startTestServer();
  scim = (await scimOrg(server, 'acme', 'acme.test')).scim;
});
afterAll(() => server?.close());

test('SCIM: a NUL in a created user, a PATCH value or a filter is a 400 in SCIM format', async () => {
  const created = await scim.post('/Users', {
    schemas: [CORE],
    userName: 'nul\u0000@acme.test',
    emails: [{ primary: true, value: 'n@acme.test' }],
  });
  expect(created.status).toBe(400);
  expect(created.body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
  const ok = await scim.post('/Users', { schemas: [CORE], userName: 'ok@acme.test', emails: [{ primary: true, value: 'ok@acme.test' }] });
  expect(ok.status).toBe(201);
  const patched = await scim.patch(`/Users/${ok.body.id}`, [{ op: 'replace', path: 'displayName', value: 'a\u0000b' }]);
  expect(patched.status).toBe(400);
  const filtered = await scim.get(`/Users?filter=${encodeURIComponent('userName eq "a\u0000b"')}`);
  expect(filtered.status).toBe(400);
  // Regression: a NUL in the address (path or query) was refused before the SCIM routes, in OAuth's
  // JSON error format ({ error, error_description }) that SCIM clients do not read.
  for (const answer of [filtered, await scim.get('/Users/%00'), await scim.get('/Groups?attributes=a%00')]) {
    expect(answer.status).toBe(400);
    expect(answer.headers.get('content-type')).toMatch(/^application\/scim\+json/);
    expect(answer.body).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '400',
      scimType: 'invalidValue',
      detail: expect.stringContaining('NUL'),
    });
  }
  // So is an unknown method, refused before the routes too.
  const odd = await scim.call('PROPFIND', '/Users');
  expect(odd.status).toBe(405);
  expect(odd.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '405' });
});

test('social sign-in addresses with a NUL answer 4xx, never 500', async () => {
  for (const path of [
    '/social/callback/goo%00gle?code=x&state=y',
    '/social/callback/google?code=x%00&state=y%00',
    '/interaction/abc%00/social/google',
  ]) {
    const res = await fetch(`${server.url}${path}`, { redirect: 'manual' });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  }
});
