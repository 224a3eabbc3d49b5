/**
 * OpenID Connect company connector: the protocol runs in core/oidc-flow.ts (shared with social
 * providers); this file is the company policy of its answer. Rules:
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
import { z } from 'zod';
import { answerUrl, beginCode, configurationFor as coreConfiguration, finishCode, str, userInfo } from './core/oidc-flow.js';
import { fail } from './errors.js';
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

function configurationFor(conn: Connection, s: OidcSettings, env: ConnectorEnv) {
  const key = `company:${conn.id}:${conn.updatedAt.getTime()}`;
  return coreConfiguration({ key, issuer: s.issuer, clientId: s.client_id, secret: conn.secret }, env);
}

export const oidcConnector: Connector<OidcSettings> = {
  kind: 'oidc',
  settings: oidcSettings,

  async check(conn, env) {
    await configurationFor(conn, oidcSettings.parse(conn.settings), env);
  },

  async begin(conn, env, { state, loginHint }) {
    const s = oidcSettings.parse(conn.settings);
    const config = await configurationFor(conn, s, env);
    const { url, remember } = await beginCode(config, {
      redirectUri: env.callbackUrl(conn.id),
      scope: s.scopes.join(' '),
      state,
      ...(loginHint ? { params: { login_hint: loginHint } } : {}),
    });
    return { redirect: url.toString(), remember: { ...remember } };
  },

  stateOf: ({ url }) => url.searchParams.get('state') ?? undefined,

  async finish(conn, env, { url, body, remembered }) {
    const s = oidcSettings.parse(conn.settings);
    if (!remembered) throw fail('expired', 'no sign-in is waiting for this answer');
    const config = await configurationFor(conn, s, env);
    const answer = await finishCode(config, answerUrl(url, body), remembered, { idToken: true });
    let claims = answer.claims;
    if (!str(claims[s.claims.email])) claims = { ...(await userInfo(config, answer.accessToken, String(claims.sub))), ...claims };

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
