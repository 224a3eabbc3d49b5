/**
 * OpenID Connect connector (openid-client as the relying party). Rules:
 * - the issuer is discovered (its metadata must name the same issuer) through the guarded fetch;
 *   the discovered configuration is kept 10 minutes per connection version;
 * - authorization code with PKCE (S256), a state and a nonce for every sign-in;
 * - the ID token is validated by openid-client (signature from the issuer's JWKS, iss, aud, azp,
 *   exp/iat within the configured clock skew, nonce); the callback must carry our state;
 * - the subject is `sub`; for Entra ID it is the pair (tenant id, object id) — `tid`/`oid` must be
 *   present, and `tid` must equal the configured tenant when one is set — never the mutable email;
 * - the email is trusted only when the connection says so (trust_email) and, for generic issuers,
 *   the IdP did not say `email_verified: false`; Entra ID's email is never trusted by default;
 * - MFA happened when `amr` contains "mfa" or `acr` is one of the connection's MFA values.
 */
import * as oidc from 'openid-client';
import { z } from 'zod';
import { ttlCache } from '../lib/ttl-cache.js';
import { fail, FederationError } from './errors.js';
import { FetchRefused } from './fetch.js';
import { commonSettings, type Connection, type Connector, type ConnectorEnv } from './types.js';

const claimName = z.string().min(1).max(200);

export const oidcSettings = z
  .strictObject({
    issuer: z.url(),
    client_id: z.string().min(1).max(500),
    scopes: z.array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/)).default(['openid', 'email', 'profile']),
    /** entra: Microsoft Entra ID (subject from tid + oid). */
    variant: z.enum(['generic', 'entra']).default('generic'),
    /** Entra ID: the only tenant accepted. */
    tenant_id: z.string().min(1).optional(),
    /** acr values that mean the IdP performed multi-factor authentication. */
    mfa_acr_values: z.array(z.string()).default([]),
    /** Which claims carry the profile. */
    claims: z
      .strictObject({
        email: claimName.default('email'),
        name: claimName.default('name'),
        given_name: claimName.default('given_name'),
        family_name: claimName.default('family_name'),
      })
      .default({ email: 'email', name: 'name', given_name: 'given_name', family_name: 'family_name' }),
    ...commonSettings,
  })
  .refine((s) => s.scopes.includes('openid'), { message: 'scopes must include openid', path: ['scopes'] });
export type OidcSettings = z.infer<typeof oidcSettings>;

const discovered = ttlCache<oidc.Configuration>(10 * 60_000, 1000);

async function configurationFor(conn: Connection, s: OidcSettings, env: ConnectorEnv) {
  return discovered.get(`${conn.id}:${conn.updatedAt.getTime()}`, async () => {
    const execute = env.federation.allowHttp ? [oidc.allowInsecureRequests] : [];
    const auth = conn.secret ? oidc.ClientSecretPost(conn.secret) : oidc.None();
    return oidc.discovery(new URL(s.issuer), s.client_id, { [oidc.clockTolerance]: env.federation.clockSkewSeconds }, auth, {
      execute,
      [oidc.customFetch]: env.fetch as oidc.CustomFetch,
      timeout: Math.ceil(env.federation.fetchTimeoutMs / 1000),
    });
  });
}

/** Errors from openid-client, as what happened. */
function explain(err: unknown): FederationError {
  if (err instanceof FederationError) return err;
  if (err instanceof oidc.AuthorizationResponseError)
    return fail('idp_error', `${err.error}${err.error_description ? `: ${err.error_description}` : ''}`);
  if (err instanceof FetchRefused || (err as Error)?.cause instanceof FetchRefused) return fail('idp_unreachable', (err as Error).message);
  const e = err as Error & { code?: string; cause?: unknown };
  if (e?.name === 'TypeError' || (e?.code === 'OAUTH_RESPONSE_IS_NOT_CONFORM' && e.cause instanceof Response && e.cause.status >= 500)) {
    return fail('idp_unreachable', e.message);
  }
  return fail('bad_response', e?.message ?? String(err));
}

const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);

export const oidcConnector: Connector<OidcSettings> = {
  kind: 'oidc',
  settings: oidcSettings,

  async check(conn, env) {
    try {
      await configurationFor(conn, oidcSettings.parse(conn.settings), env);
    } catch (err) {
      throw explain(err);
    }
  },

  async begin(conn, env, { state, loginHint }) {
    const s = oidcSettings.parse(conn.settings);
    let config: oidc.Configuration;
    try {
      config = await configurationFor(conn, s, env);
    } catch (err) {
      throw explain(err);
    }
    const verifier = oidc.randomPKCECodeVerifier();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: env.callbackUrl(conn.id),
      response_type: 'code',
      scope: s.scopes.join(' '),
      state,
      nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      ...(loginHint ? { login_hint: loginHint } : {}),
    });
    return { redirect: url.toString(), remember: { verifier, nonce, state } };
  },

  stateOf: ({ url }) => url.searchParams.get('state') ?? undefined,

  async finish(conn, env, { url, remembered }) {
    const s = oidcSettings.parse(conn.settings);
    if (!remembered) throw fail('expired', 'no sign-in is waiting for this answer');
    let claims: Record<string, unknown>;
    try {
      const config = await configurationFor(conn, s, env);
      const tokens = await oidc.authorizationCodeGrant(config, url, {
        pkceCodeVerifier: String(remembered.verifier),
        expectedState: String(remembered.state),
        expectedNonce: String(remembered.nonce),
        idTokenExpected: true,
      });
      claims = { ...tokens.claims()! };
      if (!str(claims[s.claims.email]) && tokens.access_token && config.serverMetadata().userinfo_endpoint) {
        const info = await oidc.fetchUserInfo(config, tokens.access_token, String(claims.sub)).catch(() => ({}));
        claims = { ...info, ...claims };
      }
    } catch (err) {
      throw explain(err);
    }

    let subject = str(claims.sub);
    if (s.variant === 'entra') {
      const tid = str(claims.tid);
      const oid = str(claims.oid);
      if (!tid || !oid) throw fail('no_subject', 'the ID token has no tid/oid claims');
      if (s.tenant_id && tid !== s.tenant_id) throw fail('bad_response', `the ID token is from tenant ${tid}, not ${s.tenant_id}`);
      subject = `${tid}/${oid}`;
    }
    if (!subject) throw fail('no_subject', 'the ID token has no subject');
    const amr = Array.isArray(claims.amr) ? claims.amr.filter((m): m is string => typeof m === 'string') : [];
    const acr = str(claims.acr);
    const email = str(claims[s.claims.email])?.toLowerCase();
    return {
      subject,
      email,
      emailTrusted: Boolean(email) && s.trust_email && (s.variant === 'entra' || claims.email_verified !== false),
      name: str(claims[s.claims.name]),
      given_name: str(claims[s.claims.given_name]),
      family_name: str(claims[s.claims.family_name]),
      mfa: amr.includes('mfa') || (acr !== undefined && s.mfa_acr_values.includes(acr)),
      methods: [...amr, ...(acr ? [`acr:${acr}`] : [])],
    };
  },
};
