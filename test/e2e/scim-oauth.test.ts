/**
 * SCIM with OAuth 2.0 client-credentials access tokens (scope `scim`) instead of a SCIM token: a
 * client (openid-client) allowed to provision Acme gets a JWT access token for the resource
 * `${issuer}/scim/v2` and provisions Acme's people with it, and only Acme's; a token without the
 * scope, for another API, tampered with, or of a client no longer allowed is refused (401).
 */
import { oidc } from '../helpers/rp.js';
import { scimClient, scimOrg } from '../helpers/scim.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let acme: Awaited<ReturnType<typeof scimOrg>>;
let globex: Awaited<ReturnType<typeof scimOrg>>;
const SECRET = 'provisioner-secret-value-0123456789';

const client = (id: string) =>
  oidc.discovery(new URL(server.url), id, SECRET, oidc.ClientSecretBasic(SECRET), { execute: [oidc.allowInsecureRequests] });

beforeAll(async () => {
  server = await startTestServer();
  acme = await scimOrg(server, 'acme', 'acme.test');
  globex = await scimOrg(server, 'globex', 'globex.test');
  for (const id of ['provisioner', 'other-app']) {
    await server.services.clients.upsert({
      client_id: id,
      client_secret: SECRET,
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'client_secret_basic',
    });
  }
  await server.services.clients.upsertResource({ identifier: 'https://api.example.test', scopes: ['scim', 'read'], access_token_ttl: 600 });
});
afterAll(() => server?.close());

test('an allowed client provisions its organization with a scim access token, and nothing else', async () => {
  await server.features.provisioning.clients.allow(undefined, { via: 'cli' }, acme.orgId, 'provisioner');
  expect((await server.services.clients.findResource(`${server.url}/scim/v2`))?.scopes).toEqual(['scim']);
  const config = await client('provisioner');
  const tokens = await oidc.clientCredentialsGrant(config, { scope: 'scim', resource: `${server.url}/scim/v2` });
  expect(tokens.access_token.split('.')).toHaveLength(3);
  const scim = scimClient(server, tokens.access_token);
  const created = await scim.post('/Users', { userName: 'oauth@acme.test', emails: [{ primary: true, value: 'oauth@acme.test' }] });
  expect(created.status).toBe(201);
  expect((await scim.get(`/Users/${created.body.id}`)).status).toBe(200);
  const created2 = (await server.services.audit.recent({ type: 'scim.user_created', limit: 5 })).find(
    (e) => e.user_id === created.body.id,
  )!;
  expect((created2.data as any).tokenId).toBe('client:provisioner');
  // Only its organization: Globex's people are not found, its domain cannot be used.
  const globexUser = await globex.scim.post('/Users', { userName: 'g@globex.test', emails: [{ primary: true, value: 'g@globex.test' }] });
  expect((await scim.get(`/Users/${globexUser.body.id}`)).status).toBe(404);
  expect((await scim.post('/Users', { userName: 'x@globex.test' })).status).toBe(400);

  // Refused: tampered, another API's token, a client not allowed, then this client once removed.
  const [h, p, s] = tokens.access_token.split('.');
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
  const forged = [h, Buffer.from(JSON.stringify({ ...claims, client_id: 'someone' })).toString('base64url'), s].join('.');
  expect((await scimClient(server, forged).get('/Users')).status).toBe(401);
  const otherApi = await oidc.clientCredentialsGrant(config, { scope: 'scim', resource: 'https://api.example.test' });
  expect((await scimClient(server, otherApi.access_token).get('/Users')).status).toBe(401);
  const notAllowed = await oidc.clientCredentialsGrant(await client('other-app'), { scope: 'scim', resource: `${server.url}/scim/v2` });
  expect((await scimClient(server, notAllowed.access_token).get('/Users')).status).toBe(401);
  await server.features.provisioning.clients.remove(undefined, { via: 'cli' }, acme.orgId, 'provisioner');
  const refused = await scim.get('/Users');
  expect([refused.status, refused.body.schemas]).toEqual([401, ['urn:ietf:params:scim:api:messages:2.0:Error']]);
});

test('a client without the client_credentials grant cannot be allowed', async () => {
  await server.services.clients.upsert({ client_id: 'web-app', client_secret: SECRET, redirect_uris: ['https://rp.example.test/cb'] });
  await expect(server.features.provisioning.clients.allow(undefined, { via: 'cli' }, acme.orgId, 'web-app')).rejects.toMatchObject({
    code: 'no_client_credentials',
  });
  await expect(server.features.provisioning.clients.allow(undefined, { via: 'cli' }, acme.orgId, 'nobody')).rejects.toMatchObject({
    code: 'no_client',
  });
});
