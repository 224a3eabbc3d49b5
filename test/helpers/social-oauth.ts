/**
 * Stand-ins for the two social providers that are not plain OpenID Connect:
 * - Apple: discovery, an authorization endpoint that answers with an auto-submitting form_post page
 *   (code, state, and the `user` JSON on the first sign-in only), a token endpoint that verifies
 *   the ES256 client-secret JWT with the configured public key (iss team id, kid key id, sub client
 *   id, aud issuer, short lifetime) and PKCE, and ID tokens (RS256) with Apple's claims;
 * - Facebook: an OAuth 2.0 dialog (302 back with code and state), a token endpoint (client secret,
 *   PKCE), and a Graph-shaped `/me` that requires a valid `appsecret_proof`.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose';

const listen = async (server: http.Server) => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};
const readBody = (req: http.IncomingMessage) =>
  new Promise<URLSearchParams>((resolve) => {
    let data = '';
    req.on('data', (c) => {
      data += c;
    });
    req.on('end', () => resolve(new URLSearchParams(data)));
  });
const json = (res: http.ServerResponse, status: number, body: unknown) =>
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
const closer = (server: http.Server) => () =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
const s256 = (v: string) => createHash('sha256').update(v).digest('base64url');

export interface ApplePerson {
  sub: string;
  email?: string;
  privateRelay?: boolean;
  firstName?: string;
  lastName?: string;
}

export async function startAppleStandIn(opts: {
  clientId: string;
  teamId: string;
  keyId: string;
  publicKey: CryptoKey;
  redirectUri: string;
}) {
  const server = http.createServer();
  const issuer = await listen(server);
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'apple-1', alg: 'RS256', use: 'sig' };
  const codes = new Map<string, { person: ApplePerson; nonce: string; challenge: string; redirectUri: string }>();
  /** Who signs in next; `refuse` answers with Apple's cancel error. */
  /** `wrongNonce`: the next ID token carries another nonce than the one asked for. */
  const next: { person?: ApplePerson; refuse?: boolean; wrongNonce?: boolean } = {};
  const seenUsers = new Set<string>();
  const secrets: Array<{ kid?: string; lifetime: number }> = [];
  const requests: URLSearchParams[] = [];

  server.on('request', async (req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    if (url.pathname === '/.well-known/openid-configuration') {
      return json(res, 200, {
        issuer,
        authorization_endpoint: `${issuer}/auth/authorize`,
        token_endpoint: `${issuer}/auth/token`,
        jwks_uri: `${issuer}/auth/keys`,
        response_types_supported: ['code'],
        response_modes_supported: ['query', 'fragment', 'form_post'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        scopes_supported: ['openid', 'email', 'name'],
        token_endpoint_auth_methods_supported: ['client_secret_post'],
      });
    }
    if (url.pathname === '/auth/keys') return json(res, 200, { keys: [jwk] });
    if (url.pathname === '/auth/authorize') {
      const q = url.searchParams;
      requests.push(q);
      if (q.get('client_id') !== opts.clientId || q.get('redirect_uri') !== opts.redirectUri || q.get('response_mode') !== 'form_post') {
        return json(res, 400, { error: 'invalid_request' });
      }
      const fields: Record<string, string> = { state: q.get('state') ?? '' };
      if (next.refuse) {
        next.refuse = false;
        fields.error = 'user_cancelled_authorize';
      } else {
        const person = next.person!;
        const code = randomBytes(16).toString('hex');
        codes.set(code, {
          person,
          nonce: q.get('nonce') ?? '',
          challenge: q.get('code_challenge') ?? '',
          redirectUri: q.get('redirect_uri')!,
        });
        fields.code = code;
        // The name (and email) come in the `user` field only the first time this person signs in to the app.
        if (!seenUsers.has(person.sub)) {
          seenUsers.add(person.sub);
          fields.user = JSON.stringify({ name: { firstName: person.firstName, lastName: person.lastName }, email: person.email });
        }
      }
      const inputs = Object.entries(fields)
        .map(([k, v]) => `<input type="hidden" name="${k}" value="${v.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}">`)
        .join('');
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end(`<!doctype html><title>Apple</title><form method="post" action="${opts.redirectUri}" id="apple-form">${inputs}</form>`);
      return;
    }
    if (url.pathname === '/auth/token' && req.method === 'POST') {
      const body = await readBody(req);
      try {
        const secret = body.get('client_secret') ?? '';
        const { payload } = await jwtVerify(secret, opts.publicKey, {
          algorithms: ['ES256'],
          issuer: opts.teamId,
          audience: issuer,
          subject: opts.clientId,
        });
        const kid = decodeProtectedHeader(secret).kid;
        if (kid !== opts.keyId) throw new Error(`wrong kid ${kid}`);
        secrets.push({ kid, lifetime: Number(payload.exp) - Number(payload.iat) });
      } catch (err) {
        return json(res, 400, { error: 'invalid_client', error_description: (err as Error).message });
      }
      const grant = codes.get(body.get('code') ?? '');
      codes.delete(body.get('code') ?? '');
      if (
        !grant ||
        body.get('client_id') !== opts.clientId ||
        s256(body.get('code_verifier') ?? '') !== grant.challenge ||
        body.get('redirect_uri') !== grant.redirectUri
      ) {
        return json(res, 400, { error: 'invalid_grant' });
      }
      const p = grant.person;
      const now = Math.floor(Date.now() / 1000);
      const idToken = await new SignJWT({
        nonce: next.wrongNonce ? 'not-the-nonce' : grant.nonce,
        ...(p.email ? { email: p.email, email_verified: 'true', is_private_email: p.privateRelay ? 'true' : 'false' } : {}),
        auth_time: now,
      })
        .setProtectedHeader({ alg: 'RS256', kid: 'apple-1' })
        .setIssuer(issuer)
        .setAudience(opts.clientId)
        .setSubject(p.sub)
        .setIssuedAt(now)
        .setExpirationTime(now + 600)
        .sign(privateKey);
      return json(res, 200, { access_token: randomBytes(16).toString('hex'), token_type: 'Bearer', expires_in: 3600, id_token: idToken });
    }
    json(res, 404, { error: 'not_found' });
  });
  return { issuer, next, secrets, requests, close: closer(server) };
}
export type AppleStandIn = Awaited<ReturnType<typeof startAppleStandIn>>;

export interface FacebookPerson {
  id: string;
  name?: string;
  email?: string;
}

export async function startFacebookStandIn(opts: { clientId: string; secret: string; redirectUri: string }) {
  const server = http.createServer();
  const origin = await listen(server);
  const codes = new Map<string, { person: FacebookPerson; challenge: string }>();
  const tokens = new Map<string, FacebookPerson>();
  const next: { person?: FacebookPerson; refuse?: boolean } = {};
  const proofs: Array<{ ok: boolean; fields: string }> = [];

  server.on('request', async (req, res) => {
    const url = new URL(req.url ?? '/', origin);
    if (url.pathname === '/dialog/oauth') {
      const q = url.searchParams;
      if (q.get('client_id') !== opts.clientId || q.get('redirect_uri') !== opts.redirectUri)
        return json(res, 400, { error: 'invalid_request' });
      const back = new URL(opts.redirectUri);
      back.searchParams.set('state', q.get('state') ?? '');
      if (next.refuse) {
        next.refuse = false;
        back.searchParams.set('error', 'access_denied');
        back.searchParams.set('error_reason', 'user_denied');
        back.searchParams.set('error_description', 'Permissions error');
      } else {
        const code = randomBytes(16).toString('hex');
        codes.set(code, { person: next.person!, challenge: q.get('code_challenge') ?? '' });
        back.searchParams.set('code', code);
      }
      res.writeHead(302, { location: back.toString() }).end();
      return;
    }
    if (url.pathname === '/oauth/access_token') {
      const body = req.method === 'POST' ? await readBody(req) : url.searchParams;
      const grant = codes.get(body.get('code') ?? '');
      codes.delete(body.get('code') ?? '');
      if (body.get('client_secret') !== opts.secret || body.get('client_id') !== opts.clientId)
        return json(res, 400, { error: { message: 'Error validating client secret.' } });
      if (!grant || s256(body.get('code_verifier') ?? '') !== grant.challenge)
        return json(res, 400, { error: { message: 'Invalid verification code format.' } });
      const token = randomBytes(16).toString('hex');
      tokens.set(token, grant.person);
      return json(res, 200, { access_token: token, token_type: 'bearer', expires_in: 5183944 });
    }
    if (url.pathname === '/me') {
      const token = (req.headers.authorization ?? '').replace(/^Bearer /i, '') || url.searchParams.get('access_token') || '';
      const person = tokens.get(token);
      const proof = createHmac('sha256', opts.secret).update(token).digest('hex');
      const ok = Boolean(person) && url.searchParams.get('appsecret_proof') === proof;
      proofs.push({ ok, fields: url.searchParams.get('fields') ?? '' });
      if (!ok)
        return json(res, 400, { error: { message: 'Invalid appsecret_proof provided in the API argument', type: 'GraphMethodException' } });
      const fields = (url.searchParams.get('fields') ?? 'id,name').split(',');
      return json(res, 200, Object.fromEntries(Object.entries(person!).filter(([k]) => fields.includes(k))));
    }
    json(res, 404, { error: 'not_found' });
  });
  return { origin, next, proofs, close: closer(server) };
}
export type FacebookStandIn = Awaited<ReturnType<typeof startFacebookStandIn>>;
