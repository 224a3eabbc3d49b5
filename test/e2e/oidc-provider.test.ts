/**
 * The OpenID provider end to end, with openid-client as the relying party: discovery, JWKS, client
 * credentials with JWT access tokens, introspection, revocation, refresh rotation (two concurrent
 * refreshes both succeed; reuse after the grace window revokes the grant), key rotation.
 */
import { createRemoteJWKSet, jwtVerify, decodeProtectedHeader } from 'jose';
import { PageClient } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { codeFlow, discover, oidc, REDIRECT_URI } from '../helpers/rp.js';

let server: TestServer;
const API = 'https://api.example.test';
const EMAIL = 'alice@example.test';
const PASSWORD = 'correct horse battery staple';

beforeAll(async () => {
  server = await startTestServer({ oidc: { refreshGraceSeconds: 2 } });
  const s = server.services;
  await s.users.create({ email: EMAIL, password: PASSWORD, name: 'Alice Example', email_verified: true });
  await s.clients.upsert({
    client_id: 'rp1',
    client_secret: 'rp1-secret-value',
    client_name: 'Reports',
    redirect_uris: [REDIRECT_URI],
    grant_types: ['authorization_code', 'refresh_token'],
    first_party: true,
  });
  await s.clients.upsert({ client_id: 'svc', client_secret: 'svc-secret-value', grant_types: ['client_credentials'] });
  await s.clients.upsert({ client_id: 'other', client_secret: 'other-secret-value', grant_types: ['client_credentials'] });
  await s.clients.upsertResource({ identifier: API, scopes: ['read', 'write'], access_token_ttl: 600 });
});
afterAll(() => server?.close());

test('discovery and JWKS publish the issuer, ES256 and RS256 keys', async () => {
  const meta = await (await fetch(`${server.url}/.well-known/openid-configuration`)).json();
  expect(meta.issuer).toBe(server.url);
  expect(meta.code_challenge_methods_supported).toEqual(['S256']);
  expect(meta.response_types_supported).not.toContain('id_token token');
  const jwks = await (await fetch(meta.jwks_uri)).json();
  const algs = jwks.keys.map((k: { alg: string }) => k.alg);
  expect(algs).toEqual(expect.arrayContaining(['ES256', 'RS256']));
  expect(jwks.keys.every((k: Record<string, unknown>) => !('d' in k))).toBe(true);
});

test('client credentials gives an ES256 JWT access token for a registered API', async () => {
  const config = await discover(server.url, 'svc', 'svc-secret-value');
  const tokens = await oidc.clientCredentialsGrant(config, { scope: 'read', resource: API });
  const jwks = createRemoteJWKSet(new URL(`${server.url}/jwks`));
  const { payload, protectedHeader } = await jwtVerify(tokens.access_token, jwks, { issuer: server.url, audience: API });
  expect(protectedHeader.alg).toBe('ES256');
  expect(payload.client_id).toBe('svc');
  expect(payload.scope).toBe('read');
  // Regression: the API's own access_token_ttl (600 s) wins over the default (3600 s).
  expect(payload.exp! - payload.iat!).toBe(600);
  expect(tokens.expires_in).toBe(600);
});

test('an unknown resource is invalid_target, a wrong secret is invalid_client', async () => {
  const config = await discover(server.url, 'svc', 'svc-secret-value');
  await expect(oidc.clientCredentialsGrant(config, { resource: 'https://unknown.example.test' })).rejects.toMatchObject({
    error: 'invalid_target',
  });
  const res = await fetch(`${server.url}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from('svc:not-the-secret').toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  expect(res.status).toBe(401);
  expect((await res.json()).error).toBe('invalid_client');
});

test('authorization code + PKCE through our pages gives ID token with amr/acr, introspection and revocation work', async () => {
  const config = await discover(server.url, 'rp1', 'rp1-secret-value');
  const tokens = await codeFlow(config, { page: new PageClient(server.url), email: EMAIL, password: PASSWORD });
  const claims = tokens.claims()!;
  expect(claims.sub).toBeTruthy();
  expect(claims.amr).toEqual(['pwd']);
  expect(claims.acr).toBe('urn:wayfinder:acr:pwd');
  expect(decodeProtectedHeader(tokens.id_token!).alg).toBe('ES256');
  expect(tokens.refresh_token).toBeTruthy();

  const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
  expect(info.email).toBe(EMAIL);

  const intro = await oidc.tokenIntrospection(config, tokens.access_token);
  expect(intro.active).toBe(true);
  expect(intro.sub).toBe(claims.sub);
  await oidc.tokenRevocation(config, tokens.access_token);
  expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(false);
});

test('another client cannot revoke a token it does not own', async () => {
  const config = await discover(server.url, 'rp1', 'rp1-secret-value');
  const tokens = await codeFlow(config, { page: new PageClient(server.url), email: EMAIL, password: PASSWORD });
  const other = await discover(server.url, 'other', 'other-secret-value');
  await expect(oidc.tokenRevocation(other, tokens.refresh_token!)).rejects.toBeTruthy();
  expect((await oidc.tokenIntrospection(config, tokens.refresh_token!)).active).toBe(true);
});

test('refresh rotation: two concurrent refreshes both succeed; reuse after the grace window revokes the grant', async () => {
  const config = await discover(server.url, 'rp1', 'rp1-secret-value');
  const tokens = await codeFlow(config, { page: new PageClient(server.url), email: EMAIL, password: PASSWORD });
  const first = tokens.refresh_token!;
  const [a, b] = await Promise.all([oidc.refreshTokenGrant(config, first), oidc.refreshTokenGrant(config, first)]);
  expect(a.refresh_token).toBeTruthy();
  expect(b.refresh_token).toBeTruthy();
  expect(a.refresh_token).not.toBe(first);
  // A rotated token keeps working normally.
  const c = await oidc.refreshTokenGrant(config, a.refresh_token!);
  expect(c.access_token).toBeTruthy();

  await new Promise((r) => setTimeout(r, 2600));
  await expect(oidc.refreshTokenGrant(config, first)).rejects.toMatchObject({ error: 'invalid_grant' });
  // Replay detection revoked the whole grant: the newer tokens are dead too.
  await expect(oidc.refreshTokenGrant(config, c.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
});

test('key rotation: the next key is published before it signs; tokens signed before rotation still verify', async () => {
  const config = await discover(server.url, 'svc', 'svc-secret-value');
  const before = await oidc.clientCredentialsGrant(config, { scope: 'read', resource: API });
  const oldKid = decodeProtectedHeader(before.access_token).kid;
  const jwksBefore = await (await fetch(`${server.url}/jwks`)).json();
  const nextKeys = (await server.oidc.keys.list()).filter((k) => k.status === 'next' && k.alg === 'ES256');
  expect(nextKeys).toHaveLength(1);
  expect(jwksBefore.keys.map((k: { kid: string }) => k.kid)).toContain(nextKeys[0].kid);

  await server.oidc.keys.rotate();
  expect(await server.oidc.reloadKeys()).toBe(true);

  const after = await oidc.clientCredentialsGrant(config, { scope: 'read', resource: API });
  const newKid = decodeProtectedHeader(after.access_token).kid;
  expect(newKid).toBe(nextKeys[0].kid);
  expect(newKid).not.toBe(oldKid);
  const jwks = createRemoteJWKSet(new URL(`${server.url}/jwks`));
  await expect(jwtVerify(before.access_token, jwks, { issuer: server.url, audience: API })).resolves.toBeTruthy();
  await expect(jwtVerify(after.access_token, jwks, { issuer: server.url, audience: API })).resolves.toBeTruthy();
});
