/**
 * A company identity provider standing in for Microsoft Entra ID: a second oidc-provider instance on
 * its own loopback port, whose ID tokens carry Entra's `tid` (tenant id) and `oid` (object id)
 * claims, an `email` the IdP does not vouch for, and `amr` saying whether MFA happened. Its sign-in
 * page is a plain form (who, and whether to "do MFA"); consent is granted automatically.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';
import { PageClient } from './browser.js';

export interface UpstreamPerson {
  oid: string;
  email?: string;
  name?: string;
  given_name?: string;
  family_name?: string;
}

export async function startUpstreamOidc(opts: { tenantId: string; client: { id: string; secret: string; redirectUri: string } }) {
  const people = new Map<string, UpstreamPerson>();
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'upstream-1' };

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: opts.client.id,
        client_secret: opts.client.secret,
        redirect_uris: [opts.client.redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    jwks: { keys: [jwk as any] },
    cookies: { keys: ['upstream-cookie-key-0123456789abcdefghij'] },
    claims: { openid: ['sub', 'tid', 'oid', 'amr', 'acr'], email: ['email'], profile: ['name', 'given_name', 'family_name'] },
    conformIdTokenClaims: false,
    ttl: { AccessToken: 600, AuthorizationCode: 60, Grant: 600, IdToken: 600, Interaction: 600, Session: 600 },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(_ctx, sub) {
      const person = people.get(sub);
      if (!person) return undefined;
      return { accountId: sub, claims: async () => ({ sub, tid: opts.tenantId, ...person }) };
    },
    async loadExistingGrant(ctx) {
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId! });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
  });
  const callback = provider.callback();
  /** What the next sign-in returns when the IdP refuses (error=access_denied). */
  let refuseNext = false;

  server.on('request', async (req, res) => {
    const m = /^\/interaction\/([^/?]+)(\/login)?/.exec(req.url ?? '');
    if (!m) return callback(req, res);
    try {
      const details = await provider.interactionDetails(req, res);
      if (!m[2]) {
        res.writeHead(200, { 'content-type': 'text/html' })
          .end(`<!doctype html><html lang="en"><title>Contoso sign-in</title><h1>Contoso sign-in</h1>
<form method="post" action="/interaction/${details.uid}/login"><label>User <input name="username"></label>
<label><input type="checkbox" name="mfa" value="yes"> Approve with MFA</label><button type="submit">Sign in</button></form></html>`);
        return;
      }
      const body = new URLSearchParams(
        await new Promise<string>((resolve) => {
          let data = '';
          req.on('data', (c) => {
            data += c;
          });
          req.on('end', () => resolve(data));
        }),
      );
      if (refuseNext) {
        refuseNext = false;
        return provider.interactionFinished(
          req,
          res,
          { error: 'access_denied', error_description: 'the person cancelled' },
          { mergeWithLastSubmission: false },
        );
      }
      const accountId = body.get('username') ?? '';
      const mfa = body.get('mfa') === 'yes';
      return provider.interactionFinished(
        req,
        res,
        { login: { accountId, amr: mfa ? ['pwd', 'mfa'] : ['pwd'] } },
        { mergeWithLastSubmission: false },
      );
    } catch (err) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end(String(err));
    }
  });

  return {
    issuer,
    people,
    refuseNextSignIn() {
      refuseNext = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
export type UpstreamOidc = Awaited<ReturnType<typeof startUpstreamOidc>>;

/** Signs in at the upstream IdP (its own cookies): from the authorization URL to the URL it sends the browser back to. */
export async function upstreamSignIn(idp: UpstreamOidc, authorizationUrl: string, username: string, opts: { mfa?: boolean } = {}) {
  const page = new PageClient(idp.issuer);
  const landed = await page.get(authorizationUrl);
  if (!landed.includes('/interaction/'))
    throw new Error(`the upstream IdP did not show its sign-in page: ${landed} (${page.last.status} ${page.last.body.slice(0, 200)})`);
  const uid = /\/interaction\/([^/?]+)/.exec(landed)![1];
  const back = await page.post(`/interaction/${uid}/login`, { username, ...(opts.mfa ? { mfa: 'yes' } : {}) }, { csrf: false });
  if (back.startsWith(idp.issuer))
    throw new Error(`the upstream IdP did not send the browser back: ${back} (${page.last.status} ${page.last.body.slice(0, 300)})`);
  return back;
}
