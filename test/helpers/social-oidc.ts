/**
 * Stand-ins for OpenID Connect social providers (Google, LinkedIn, any issuer, and Microsoft's
 * multi-tenant `common` endpoint): a second oidc-provider instance on its own loopback port, whose
 * people the test sets. With `tenant`, it plays Microsoft: its issuer is
 * `<origin>/<tenant>/v2.0`, and `<origin>/common/v2.0/.well-known/openid-configuration` publishes
 * the issuer as the template `<origin>/{tenantid}/v2.0`, as login.microsoftonline.com does.
 * Its sign-in page is a plain form (who); consent is granted automatically.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';
import { PageClient } from './browser.js';

export interface OidcStandIn {
  /** The issuer to configure in Wayfinder (Microsoft: the `common` endpoint). */
  issuer: string;
  /** The issuer of its ID tokens. */
  tokenIssuer: string;
  origin: string;
  /** Claims per username (the username is the subject unless `sub` is given). */
  people: Map<string, Record<string, unknown>>;
  /** Authorization requests received (their query parameters). */
  requests: URLSearchParams[];
  refuseNextSignIn(): void;
  close(): Promise<void>;
}

export async function startOidcStandIn(opts: {
  clientId: string;
  secret: string;
  redirectUri: string;
  tenant?: string;
}): Promise<OidcStandIn> {
  const people = new Map<string, Record<string, unknown>>();
  const requests: URLSearchParams[] = [];
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const prefix = opts.tenant ? `/${opts.tenant}/v2.0` : '';
  const tokenIssuer = `${origin}${prefix}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'stand-in-1' };

  const provider = new Provider(tokenIssuer, {
    clients: [
      {
        client_id: opts.clientId,
        client_secret: opts.secret,
        redirect_uris: [opts.redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    jwks: { keys: [jwk as any] },
    cookies: { keys: ['stand-in-cookie-key-0123456789abcdefghij'] },
    claims: {
      openid: ['sub', 'tid', 'oid'],
      email: ['email', 'email_verified', 'xms_edov'],
      profile: ['name', 'given_name', 'family_name'],
    },
    scopes: ['openid', 'email', 'profile'],
    conformIdTokenClaims: false,
    ttl: { AccessToken: 600, AuthorizationCode: 60, Grant: 600, IdToken: 600, Interaction: 600, Session: 600 },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(_ctx, id) {
      const person = people.get(id);
      if (!person) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, ...person }) };
    },
    async loadExistingGrant(ctx) {
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId! });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
  });
  const callback = provider.callback();
  let refuseNext = false;

  const readBody = (req: http.IncomingMessage) =>
    new Promise<URLSearchParams>((resolve) => {
      let data = '';
      req.on('data', (c) => {
        data += c;
      });
      req.on('end', () => resolve(new URLSearchParams(data)));
    });

  server.on('request', async (req, res) => {
    const url = req.url ?? '/';
    if (opts.tenant && url.startsWith('/common/v2.0/.well-known/openid-configuration')) {
      const meta = (await (await fetch(`${tokenIssuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ...meta, issuer: `${origin}/{tenantid}/v2.0` }));
      return;
    }
    const m = /^\/interaction\/([^/?]+)(\/login)?/.exec(url);
    if (!m) {
      if (prefix && url.startsWith(prefix)) {
        (req as http.IncomingMessage & { originalUrl?: string }).originalUrl = url;
        req.url = url.slice(prefix.length) || '/';
      }
      if (/^\/auth\b/.test(req.url ?? '')) requests.push(new URL(req.url!, origin).searchParams);
      return callback(req, res);
    }
    try {
      const details = await provider.interactionDetails(req, res);
      if (!m[2]) {
        res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><title>Provider sign-in</title>
<form method="post" action="/interaction/${details.uid}/login"><input name="username"><button>Sign in</button></form>`);
        return;
      }
      const body = await readBody(req);
      if (refuseNext) {
        refuseNext = false;
        return provider.interactionFinished(
          req,
          res,
          { error: 'access_denied', error_description: 'the person cancelled' },
          { mergeWithLastSubmission: false },
        );
      }
      return provider.interactionFinished(
        req,
        res,
        { login: { accountId: body.get('username') ?? '' } },
        { mergeWithLastSubmission: false },
      );
    } catch (err) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end(String(err));
    }
  });

  return {
    issuer: opts.tenant ? `${origin}/common/v2.0` : tokenIssuer,
    tokenIssuer,
    origin,
    people,
    requests,
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

/** Signs in at the stand-in (its own cookies): from its authorization URL to the URL it sends the browser back to. */
export async function standInSignIn(idp: OidcStandIn, authorizationUrl: string, username: string) {
  const page = new PageClient(idp.origin);
  const landed = await page.get(authorizationUrl);
  if (!landed.includes('/interaction/'))
    throw new Error(`the stand-in did not show its sign-in page: ${landed} (${page.last.status} ${page.last.body.slice(0, 200)})`);
  const uid = /\/interaction\/([^/?]+)/.exec(landed)![1];
  const back = await page.post(`/interaction/${uid}/login`, { username }, { csrf: false });
  if (back.startsWith(idp.origin))
    throw new Error(`the stand-in did not send the browser back: ${back} (${page.last.status} ${page.last.body.slice(0, 300)})`);
  return back;
}
