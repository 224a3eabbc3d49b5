/**
 * The OpenID Connect / OAuth 2.0 protocol core shared by company and social connections (openid-client
 * as the relying party). A connection's category decides what the answer means (connectors/oidc.ts
 * for companies, connectors/social/ for social providers); this file only runs the protocol. Rules:
 * - the issuer is discovered through the guarded fetch (its metadata must name the same issuer), or
 *   the server's metadata is given whole (OAuth 2.0 providers without discovery); endpoints given by
 *   the connection override discovered ones; a configuration is kept 10 minutes per connection version;
 * - every sign-in uses the authorization code with PKCE (S256), its own state, and (OIDC) a nonce;
 * - the answer must carry our state; the ID token is validated by openid-client (signature from the
 *   issuer's JWKS, iss, aud, azp, exp/iat within the configured clock skew, nonce);
 * - errors become FederationErrors saying what happened (the IdP refused, cancelled, is unreachable,
 *   or answered badly), never a 500.
 */
import * as oidc from 'openid-client';
import { ttlCache } from '../../lib/ttl-cache.js';
import { fail, FederationError } from '../errors.js';
import { FetchRefused } from '../fetch.js';
import type { ConnectorEnv } from '../types.js';

export type FlowEnv = Pick<ConnectorEnv, 'federation' | 'fetch'>;

export interface ClientSpec {
  /** Identifies one version of one connection's configuration (cache key). */
  key: string;
  clientId: string;
  /** How the client authenticates at the token endpoint (default: client_secret_post with `secret`, else none). */
  auth?: oidc.ClientAuth;
  secret?: string;
  /** Discovered from this issuer... */
  issuer?: string;
  /** ...or given whole, or loaded another way (no discovery by openid-client). */
  metadata?: oidc.ServerMetadata | (() => Promise<oidc.ServerMetadata>);
  /** Endpoints that replace the discovered ones. */
  overrides?: Partial<oidc.ServerMetadata>;
}

const configurations = ttlCache<oidc.Configuration>(10 * 60_000, 1000);

export async function configurationFor(spec: ClientSpec, env: FlowEnv): Promise<oidc.Configuration> {
  try {
    return await configurations.get(spec.key, async () => {
      const auth = spec.auth ?? (spec.secret ? oidc.ClientSecretPost(spec.secret) : oidc.None());
      const tolerance = { [oidc.clockTolerance]: env.federation.clockSkewSeconds };
      const timeout = Math.ceil(env.federation.fetchTimeoutMs / 1000);
      let server = typeof spec.metadata === 'function' ? await spec.metadata() : spec.metadata;
      if (!server) {
        if (!spec.issuer) throw fail('bad_response', 'no issuer and no endpoints are configured');
        const execute = env.federation.allowHttp ? [oidc.allowInsecureRequests] : [];
        const found = await oidc.discovery(new URL(spec.issuer), spec.clientId, tolerance, auth, {
          execute,
          [oidc.customFetch]: env.fetch as oidc.CustomFetch,
          timeout,
        });
        if (!spec.overrides || !Object.values(spec.overrides).some(Boolean)) return found;
        server = { ...found.serverMetadata() };
      }
      const defined = Object.fromEntries(Object.entries(spec.overrides ?? {}).filter(([, v]) => v !== undefined));
      const config = new oidc.Configuration({ ...server, ...defined }, spec.clientId, tolerance, auth);
      if (env.federation.allowHttp) oidc.allowInsecureRequests(config);
      config[oidc.customFetch] = env.fetch as oidc.CustomFetch;
      config.timeout = timeout;
      return config;
    });
  } catch (err) {
    throw explain(err);
  }
}

/** Errors from openid-client, as what happened. */
export function explain(err: unknown): FederationError {
  if (err instanceof FederationError) return err;
  if (err instanceof oidc.AuthorizationResponseError) {
    return fail('idp_error', `${err.error}${err.error_description ? `: ${err.error_description}` : ''}`);
  }
  if (err instanceof FetchRefused || (err as Error)?.cause instanceof FetchRefused) return fail('idp_unreachable', (err as Error).message);
  const e = err as Error & { code?: string; cause?: unknown };
  if (e?.name === 'TypeError' || (e?.code === 'OAUTH_RESPONSE_IS_NOT_CONFORM' && e.cause instanceof Response && e.cause.status >= 500)) {
    return fail('idp_unreachable', e.message);
  }
  // openid-client's message is generic; the cause names what failed (e.g. the nonce claim): keep it for the audit log.
  const cause = e?.cause instanceof Error && e.cause.message !== e.message ? `: ${e.cause.message}` : '';
  return fail('bad_response', `${e?.message ?? String(err)}${cause}`);
}

export interface Remembered {
  verifier: string;
  nonce?: string;
  state: string;
}

/** The authorization URL of a code + PKCE sign-in (with a nonce unless `oauth2`), and what to remember. */
export async function beginCode(
  config: oidc.Configuration,
  p: {
    redirectUri: string;
    scope: string;
    state: string;
    oauth2?: boolean;
    params?: Record<string, string>;
  },
): Promise<{ url: URL; remember: Remembered }> {
  const verifier = oidc.randomPKCECodeVerifier();
  const nonce = p.oauth2 ? undefined : oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: p.redirectUri,
    response_type: 'code',
    scope: p.scope,
    state: p.state,
    ...(nonce ? { nonce } : {}),
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    ...p.params,
  });
  return { url, remember: { verifier, state: p.state, ...(nonce ? { nonce } : {}) } };
}

/**
 * Redeems the code of an answer (`url` carries its parameters, from the query or a form_post body).
 * Returns the validated ID token claims (OIDC) and the access token.
 */
export async function finishCode(config: oidc.Configuration, url: URL, remembered: Record<string, unknown>, opts: { idToken: boolean }) {
  try {
    const tokens = await oidc.authorizationCodeGrant(config, url, {
      pkceCodeVerifier: String(remembered.verifier),
      expectedState: String(remembered.state),
      ...(opts.idToken ? { expectedNonce: String(remembered.nonce), idTokenExpected: true } : {}),
    });
    return { claims: opts.idToken ? ({ ...tokens.claims()! } as Record<string, unknown>) : {}, accessToken: tokens.access_token, tokens };
  } catch (err) {
    throw explain(err);
  }
}

/** The UserInfo endpoint's claims for `sub` (empty when there is none or it fails). */
export async function userInfo(config: oidc.Configuration, accessToken: string | undefined, sub: string): Promise<Record<string, unknown>> {
  if (!accessToken || !config.serverMetadata().userinfo_endpoint) return {};
  return oidc.fetchUserInfo(config, accessToken, sub).catch(() => ({}));
}

/** A URL carrying the answer's parameters, whether they came in the query or a form_post body. */
export function answerUrl(url: URL, body: Record<string, string>): URL {
  if (!Object.keys(body).length) return url;
  const out = new URL(url.pathname, url);
  for (const [k, v] of Object.entries(body)) out.searchParams.set(k, v);
  return out;
}

export const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
