/**
 * The IdP's signing certificates: RSA-2048 keys with self-signed X.509 certificates (made by
 * @peculiar/x509), private keys sealed in Postgres. Like the OIDC signing keys there is always one
 * `active` certificate (signs) and one `next` (already in the metadata, not yet signing), so a
 * service provider that refreshes our metadata knows a certificate before it is used. A rotation,
 * under an advisory lock: active → retired (still published for `retiredCertificateSeconds`),
 * next → active, and a new next. Instances reload within `refreshMs` of a change.
 */
import { generateKeyPairSync, randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import type { SecretBox } from '../lib/secretbox.js';
import type { CertificateQueries, CertificateRow, SamlStore } from './store.js';

const PURPOSE = 'saml-signing-key';
const VALID_YEARS = 10;

export interface SigningMaterial {
  /** PKCS#8 PEM of the active key. */
  privateKey: string;
  /** PEM of the active certificate. */
  certificate: string;
  /** Every certificate the metadata publishes (active first, then next, then retired ones). */
  published: string[];
  version: string;
}

/** A new RSA key and its self-signed certificate (subject CN = `commonName`). */
export async function generateCertificate(commonName: string) {
  await import('reflect-metadata'); // @peculiar/x509 needs the Reflect polyfill before it loads
  const x509 = await import('@peculiar/x509');
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  const keys = {
    privateKey: await webcrypto.subtle.importKey('pkcs8', privateKey.export({ format: 'der', type: 'pkcs8' }), alg, true, ['sign']),
    publicKey: await webcrypto.subtle.importKey('spki', publicKey.export({ format: 'der', type: 'spki' }), alg, true, ['verify']),
  };
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(notBefore.getTime() + VALID_YEARS * 365 * 86400_000);
  const safeCn = commonName.replace(/[^A-Za-z0-9.:-]/g, '-').slice(0, 60);
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: `01${randomBytes(15).toString('hex')}`,
      name: `CN=${safeCn}`,
      notBefore,
      notAfter,
      signingAlgorithm: alg,
      keys,
      extensions: [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true)],
    },
    webcrypto as unknown as Crypto,
  );
  return { privateKey: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), certificate: cert.toString('pem'), notAfter };
}

export function createCertificates(
  store: SamlStore,
  box: SecretBox,
  opts: { commonName: string; retiredSeconds: number; refreshMs: number },
) {
  let cached: { at: number; material: SigningMaterial } | undefined;

  async function insert(q: CertificateQueries, status: 'active' | 'next') {
    const made = await generateCertificate(opts.commonName);
    await q.insert({
      id: randomBytes(9).toString('base64url'),
      status,
      private_key_enc: box.seal(made.privateKey, PURPOSE),
      certificate: made.certificate,
      not_after: made.notAfter,
      activated_at: status === 'active' ? new Date() : null,
    });
  }

  async function fill(q: CertificateQueries) {
    const rows = await q.statuses();
    for (const status of ['active', 'next'] as const) {
      if (!rows.some((r) => r.status === status)) await insert(q, status);
    }
  }

  function published(rows: CertificateRow[]) {
    const now = new Date();
    const rank = { active: 0, next: 1, retired: 2 } as const;
    return rows
      .filter((r) => r.status !== 'retired' || (r.expires_at && r.expires_at > now))
      .sort((a, b) => rank[a.status] - rank[b.status]);
  }

  const ensure = () => store.certificateTransaction(fill);

  async function load(): Promise<SigningMaterial> {
    let [rows, version] = await Promise.all([store.certificates(), store.certificateVersion()]);
    if (!rows.some((r) => r.status === 'active')) {
      // The first SAML use on this database: make the certificates now rather than at every first
      // start (an instance that never serves SAML never loads @peculiar/x509).
      await ensure();
      [rows, version] = await Promise.all([store.certificates(), store.certificateVersion()]);
    }
    const active = rows.find((r) => r.status === 'active');
    if (!active) throw new Error('no active SAML signing certificate');
    return {
      privateKey: box.open(active.private_key_enc, PURPOSE),
      certificate: active.certificate,
      published: published(rows).map((r) => r.certificate),
      version,
    };
  }

  return {
    /** Creates the first certificates, if there are none yet (also done by the first `current()`). */
    ensure,

    /** One rotation step; returns the id of the certificate that now signs. */
    rotate: () =>
      store.certificateTransaction(async (q) => {
        await fill(q);
        const promoted = await q.rotate(new Date(), opts.retiredSeconds);
        await fill(q);
        cached = undefined;
        return promoted;
      }),

    /** The signing key and published certificates, reloaded when the set changed (checked every refreshMs). */
    async current(): Promise<SigningMaterial> {
      if (cached && Date.now() - cached.at < opts.refreshMs) return cached.material;
      const version = await store.certificateVersion();
      if (cached && cached.material.version === version) {
        cached.at = Date.now();
        return cached.material;
      }
      cached = { at: Date.now(), material: await load() };
      return cached.material;
    },

    /** Forget the cached material (tests and the CLI after a rotation). */
    reload: () => {
      cached = undefined;
    },

    async list() {
      return published(await store.certificates()).map((r) => ({
        id: r.id,
        status: r.status,
        created_at: r.created_at,
        activated_at: r.activated_at,
        retired_at: r.retired_at,
        expires_at: r.expires_at,
        not_after: r.not_after,
        fingerprint: new X509Certificate(r.certificate).fingerprint256,
      }));
    },
  };
}
export type Certificates = ReturnType<typeof createCertificates>;
