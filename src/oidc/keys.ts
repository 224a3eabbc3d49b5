/**
 * Signing keys: ES256 (default) and RS256, stored encrypted in Postgres. Each algorithm always has one
 * active key (signs) and one next key (published in the JWKS, not yet signing). Rotation, under an
 * advisory lock: active → retired (still published until every token it signed has expired),
 * next → active, and a new next. So a key is in every relying party's cached JWKS before it signs.
 */
import { generateKeyPairSync, randomBytes, type JsonWebKey } from 'node:crypto';
import type { SecretBox } from '../lib/secretbox.js';
import type { KeyQueries, KeyStore } from './store.js';

export const SIGNING_ALGS = ['ES256', 'RS256'] as const;
export type SigningAlg = (typeof SIGNING_ALGS)[number];
const PURPOSE = 'signing-key';

export interface PrivateJwk extends JsonWebKey {
  kid: string;
  alg: SigningAlg;
  use: 'sig';
}

function generate(alg: SigningAlg): { priv: PrivateJwk; pub: Record<string, unknown> } {
  const { privateKey, publicKey } =
    alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomBytes(12).toString('base64url');
  const meta = { kid, alg, use: 'sig' as const };
  return {
    priv: { ...privateKey.export({ format: 'jwk' }), ...meta },
    pub: { ...publicKey.export({ format: 'jwk' }), ...meta },
  };
}

async function insertKey(q: KeyQueries, box: SecretBox, alg: SigningAlg, status: 'next' | 'active') {
  const { priv, pub } = generate(alg);
  await q.insert({
    kid: priv.kid,
    alg,
    status,
    private_jwk_enc: box.seal(JSON.stringify(priv), PURPOSE),
    public_jwk: JSON.stringify(pub),
    activated_at: status === 'active' ? new Date() : null,
  });
  return priv.kid;
}

export function createKeyManager(store: KeyStore, box: SecretBox, retentionSeconds: number, defaultAlg: SigningAlg) {
  async function fill(q: KeyQueries) {
    const rows = await q.statuses();
    const created: string[] = [];
    for (const alg of SIGNING_ALGS) {
      for (const status of ['active', 'next'] as const) {
        if (!rows.some((r) => r.alg === alg && r.status === status)) created.push(await insertKey(q, box, alg, status));
      }
    }
    return created;
  }

  return {
    /** Creates missing keys (first start). Returns the new key ids. */
    ensure: () => store.transaction(fill),

    /** One rotation step for every algorithm. Returns the ids that became active. */
    rotate: () =>
      store.transaction(async (q) => {
        await fill(q);
        const promoted = await q.rotate(new Date(), retentionSeconds);
        await fill(q);
        return promoted;
      }),

    /** Private JWKS for oidc-provider: the default algorithm's active key first (it signs), then the rest. */
    async privateJwks(): Promise<{ keys: PrivateJwk[] }> {
      const rows = await store.all();
      const rank = (r: { alg: string; status: string }) =>
        (({ active: 0, next: 2, retired: 4 })[r.status] ?? 9) + (r.alg === defaultAlg ? 0 : 1);
      const keys = rows
        .filter((r) => r.status !== 'retired' || !r.expires_at || r.expires_at > new Date())
        .sort((a, b) => rank(a) - rank(b))
        .map((r) => JSON.parse(box.open(r.private_jwk_enc, PURPOSE)) as PrivateJwk);
      return { keys };
    },

    list: async () =>
      (await store.all()).map(({ kid, alg, status, created_at, activated_at, retired_at, expires_at }) => ({
        kid,
        alg,
        status,
        created_at,
        activated_at,
        retired_at,
        expires_at,
      })),

    version: () => store.version(),
  };
}
export type KeyManager = ReturnType<typeof createKeyManager>;
