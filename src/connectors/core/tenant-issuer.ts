/**
 * OpenID Connect for multi-tenant issuers (Microsoft's `common` endpoint), whose discovered issuer is
 * a template (`https://login.microsoftonline.com/{tenantid}/v2.0`) that openid-client validates only
 * for Microsoft's own host. Rules:
 * - the metadata is fetched through the guarded fetch; its issuer must contain `{tenantid}` or be a
 *   plain issuer equal to the one asked for;
 * - the answer must carry our state; the code is redeemed with the PKCE verifier and the client secret;
 * - the ID token's signature is checked against the issuer's JWKS, `aud` is our client id, `exp`/`iat`
 *   within the clock skew, `nonce` is ours, and `iss` is the template with the token's own `tid` —
 *   so a token of one tenant can never pass for another's.
 */
import { createRemoteJWKSet, customFetch, decodeJwt, jwtVerify, type FetchImplementation } from 'jose';
import type * as oidc from 'openid-client';
import { fail, FederationError } from '../errors.js';
import { explain, type FlowEnv } from './oidc-flow.js';

export const TENANT_TEMPLATE = '{tenantid}';

export async function templateMetadata(issuer: string, env: FlowEnv): Promise<oidc.ServerMetadata> {
  let meta: Record<string, unknown>;
  try {
    const res = await env.fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`, {
      headers: { accept: 'application/json' },
    });
    if (!res.ok) throw fail('idp_unreachable', `discovery answered ${res.status}`);
    meta = (await res.json()) as Record<string, unknown>;
  } catch (err) {
    throw explain(err);
  }
  const found = typeof meta.issuer === 'string' ? meta.issuer : '';
  if (!found.includes(TENANT_TEMPLATE) && found !== issuer) throw fail('bad_response', `the discovered issuer ${found} is not ${issuer}`);
  return meta as unknown as oidc.ServerMetadata;
}

/** Redeems a code and validates the ID token with the tenant's issuer; returns its claims. */
export async function redeemPerTenant(
  config: oidc.Configuration,
  env: FlowEnv,
  p: {
    url: URL;
    remembered: Record<string, unknown>;
    clientId: string;
    secret?: string;
    redirectUri: string;
    allowedTenant?: string;
  },
): Promise<Record<string, unknown>> {
  const q = p.url.searchParams;
  if (q.get('state') !== String(p.remembered.state)) throw fail('bad_response', 'the answer does not carry the state of this sign-in');
  if (q.get('error')) throw fail('idp_error', `${q.get('error')}${q.get('error_description') ? `: ${q.get('error_description')}` : ''}`);
  const code = q.get('code');
  if (!code) throw fail('bad_response', 'the answer carries no code');
  const meta = config.serverMetadata();
  let idToken: string;
  try {
    const res = await env.fetch(String(meta.token_endpoint), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: p.redirectUri,
        code_verifier: String(p.remembered.verifier),
        client_id: p.clientId,
        ...(p.secret ? { client_secret: p.secret } : {}),
      }).toString(),
    });
    const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok) throw fail(res.status >= 500 ? 'idp_unreachable' : 'idp_error', `token endpoint: ${String(json.error ?? res.status)}`);
    if (typeof json.id_token !== 'string') throw fail('bad_response', 'the token response has no ID token');
    idToken = json.id_token;
  } catch (err) {
    throw explain(err);
  }
  let tid: string;
  try {
    tid = String(decodeJwt(idToken).tid ?? '');
  } catch {
    throw fail('bad_response', 'the ID token is not a JWT');
  }
  if (!tid) throw fail('no_subject', 'the ID token has no tid claim');
  if (p.allowedTenant && tid !== p.allowedTenant) throw fail('bad_response', `the ID token is from tenant ${tid}, not ${p.allowedTenant}`);
  const issuer = meta.issuer.replace(TENANT_TEMPLATE, tid);
  try {
    const jwks = createRemoteJWKSet(new URL(String(meta.jwks_uri)), { [customFetch]: env.fetch as FetchImplementation });
    const { payload } = await jwtVerify(idToken, jwks, { issuer, audience: p.clientId, clockTolerance: env.federation.clockSkewSeconds });
    if (payload.nonce !== p.remembered.nonce) throw fail('bad_response', 'the ID token does not carry the nonce of this sign-in');
    return payload as Record<string, unknown>;
  } catch (err) {
    if (err instanceof FederationError) throw err;
    throw fail('bad_response', `ID token refused: ${(err as Error).message}`);
  }
}
