/**
 * Verifies the JWT access tokens this provider issues for a registered API (resource indicators,
 * `accessTokenFormat: 'jwt'`), for APIs Wayfinder serves itself (SCIM with the `scim` scope). Rules:
 * - the signature is checked with this provider's own signing keys (ES256 or RS256, by `kid`);
 * - `typ` is `at+jwt`, `iss` is the issuer, `aud` names the API, `exp` (and `nbf`) hold with a
 *   minute of clock skew, and `scope` contains the required scope;
 * - anything else is no token (undefined), never an exception.
 * Keys are re-read when the key set changes (the key manager's version), at most every 30 seconds.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { ttlCache } from '../lib/ttl-cache.js';
import type { Oidc } from './provider.js';

export interface VerifiedAccessToken {
  clientId: string;
  sub?: string;
  scope: string[];
}

const SKEW_SECONDS = 60;
const b64json = (part: string): Record<string, unknown> | undefined => {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};

export function createAccessTokenVerifier(oidc: Pick<Oidc, 'keys'>, issuer: string) {
  const keySets = ttlCache<Map<string, { alg: string; key: KeyObject }>>(30_000, 4);
  const publicKeys = async () =>
    keySets.get('keys', async () => {
      const { keys } = await oidc.keys.privateJwks();
      return new Map(keys.map((k) => [k.kid, { alg: k.alg, key: createPublicKey({ key: k, format: 'jwk' }) }]));
    });

  return {
    async verify(token: string, audience: string, scope: string): Promise<VerifiedAccessToken | undefined> {
      const parts = token.split('.');
      if (parts.length !== 3 || token.length > 8192) return undefined;
      const header = b64json(parts[0]);
      const claims = b64json(parts[1]);
      if (!header || !claims || typeof header.kid !== 'string' || String(header.typ).toLowerCase() !== 'at+jwt') return undefined;
      const found = (await publicKeys()).get(header.kid);
      if (!found || found.alg !== header.alg) return undefined;
      const data = Buffer.from(`${parts[0]}.${parts[1]}`);
      const signature = Buffer.from(parts[2], 'base64url');
      const ok =
        found.alg === 'ES256'
          ? verify('sha256', data, { key: found.key, dsaEncoding: 'ieee-p1363' }, signature)
          : verify('sha256', data, found.key, signature);
      if (!ok) return undefined;
      const now = Math.floor(Date.now() / 1000);
      const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
      const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ') : [];
      if (claims.iss !== issuer || !aud.includes(audience) || typeof claims.exp !== 'number' || claims.exp + SKEW_SECONDS < now)
        return undefined;
      if (typeof claims.nbf === 'number' && claims.nbf - SKEW_SECONDS > now) return undefined;
      if (!scopes.includes(scope) || typeof claims.client_id !== 'string') return undefined;
      return { clientId: claims.client_id, sub: typeof claims.sub === 'string' ? claims.sub : undefined, scope: scopes };
    },
  };
}
export type AccessTokenVerifier = ReturnType<typeof createAccessTokenVerifier>;
