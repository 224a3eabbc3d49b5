/**
 * Wayfinder as a samlify IdentityProvider, rebuilt when the signing certificates change: the entity
 * that verifies inbound messages (strictly when they are, or must be, signed) and signs what we send
 * back, and our published metadata. Also `verifyWith`, which tries each of an SP's signing
 * certificates, because samlify checks a Redirect-binding signature against a single one.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { BINDINGS, samlify, type Samlify } from './lib.js';
import { asRefusal, SamlRefused } from './errors.js';
import { buildIdpMetadata } from './metadata.js';
import type { Certificates, SigningMaterial } from './certificates.js';
import type { ServiceProvider } from './registry.js';
import type { Inbound } from './inbound.js';

const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';

export type SamlifyIdp = ReturnType<Samlify['IdentityProvider']>;
export type SamlifySp = ServiceProvider['entities'][number];

export function createIdp(opts: { issuer: string; entityId: string; certificates: Certificates; clockSkewSeconds: number }) {
  let built:
    | {
        version: string;
        strict: SamlifyIdp;
        lenient: SamlifyIdp;
        metadata: string;
        material: SigningMaterial;
        key: KeyObject;
        cert: string;
      }
    | undefined;

  function entity(material: SigningMaterial, verify: boolean) {
    const endpoints = (path: string) => [
      { Binding: BINDINGS.redirect, Location: `${opts.issuer}${path}` },
      { Binding: BINDINGS.post, Location: `${opts.issuer}${path}` },
    ];
    return samlify().IdentityProvider({
      entityID: opts.entityId,
      privateKey: material.privateKey,
      signingCert: material.certificate,
      requestSignatureAlgorithm: RSA_SHA256,
      wantAuthnRequestsSigned: verify,
      wantLogoutRequestSigned: verify,
      wantLogoutResponseSigned: verify,
      singleSignOnService: endpoints('/saml/sso'),
      singleLogoutService: endpoints('/saml/slo'),
      clockDrifts: [-opts.clockSkewSeconds * 1000, opts.clockSkewSeconds * 1000],
    } as Parameters<Samlify['IdentityProvider']>[0]);
  }

  async function current() {
    const material = await opts.certificates.current();
    if (built?.version !== material.version) {
      built = {
        version: material.version,
        material,
        strict: entity(material, true),
        lenient: entity(material, false),
        metadata: buildIdpMetadata(opts.issuer, opts.entityId, material.published),
        // Parsed once: a PEM key would be parsed again for every signature. samlify wants the
        // certificate's base64 body, without PEM armour.
        key: createPrivateKey(material.privateKey),
        cert: material.certificate.replace(/-----[^-]+-----|\s+/g, ''),
      };
    }
    return built;
  }

  return {
    /** The entity to parse with: `verify` makes samlify demand and check a signature. */
    async entity(verify: boolean) {
      const b = await current();
      return verify ? b.strict : b.lenient;
    },
    async signingKey() {
      const b = await current();
      return { privateKey: b.key, certificate: b.cert };
    },
    metadata: async () => (await current()).metadata,
  };
}
export type Idp = ReturnType<typeof createIdp>;

/**
 * Runs `fn` with each of the SP's samlify entities until one verifies. Whatever samlify or
 * xml-crypto throws on the way is about the message (unknown canonicalization, a SignatureValue that
 * is not base64, …), so it is a refusal carrying the SP, never a 500.
 */
export async function verifyWith<T>(sp: ServiceProvider, fn: (entity: SamlifySp) => Promise<T>): Promise<T> {
  let last: unknown;
  for (const entity of sp.entities) {
    try {
      return await fn(entity);
    } catch (e) {
      last = e;
      if (!/SIGNATURE|CERTIFICATE/.test((e as Error)?.message ?? '')) break;
    }
  }
  const refused = asRefusal(last, sp.id);
  throw refused instanceof SamlRefused ? refused : new SamlRefused('saml_bad_signature', (last as Error)?.message ?? String(last), sp.id);
}

/**
 * Checks only the signature of an inbound message against the SP's certificates (samlify's
 * primitives). For a LogoutResponse reporting a failure: samlify's parser rejects any non-Success
 * status before it looks at the signature, but a failure is an answer we act on (PartialLogout).
 */
export async function verifySignatureOnly(sp: ServiceProvider, msg: Inbound) {
  await verifyWith(sp, async (entity) => {
    const meta = entity.entityMeta as never;
    if (msg.binding === 'redirect') {
      const q = msg.envelope.query ?? {};
      if (!q.Signature || !q.SigAlg) throw new Error('ERR_MISSING_SIG_ALG');
      if (!samlify().SamlLib.verifyMessageSignature(meta, msg.envelope.octetString ?? '', Buffer.from(q.Signature, 'base64'), q.SigAlg)) {
        throw new Error('ERR_FAILED_MESSAGE_SIGNATURE_VERIFICATION');
      }
    } else if (!samlify().SamlLib.verifySignature(msg.xml, { metadata: meta })[0]) {
      throw new Error('FAILED_TO_VERIFY_SIGNATURE');
    }
  });
}
