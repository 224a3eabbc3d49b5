/**
 * Wayfinder as a samlify IdentityProvider, rebuilt when the signing certificates change: the entity
 * that verifies inbound messages (strictly when they are, or must be, signed) and signs what we send
 * back, and our published metadata. Also `verifyWith`, which tries each of an SP's signing
 * certificates, because samlify checks a Redirect-binding signature against a single one.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { BINDINGS, samlify } from './lib.js';
import { asRefusal } from './errors.js';
import { buildIdpMetadata } from './metadata.js';
import type { Certificates, SigningMaterial } from './certificates.js';
import type { ServiceProvider } from './registry.js';

const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';

export type SamlifyIdp = ReturnType<typeof samlify.IdentityProvider>;
export type SamlifySp = ServiceProvider['entities'][number];

export function createIdp(opts: { issuer: string; entityId: string; certificates: Certificates; clockSkewSeconds: number }) {
  let built: { version: string; strict: SamlifyIdp; lenient: SamlifyIdp; metadata: string; material: SigningMaterial; key: KeyObject; cert: string } | undefined;

  function entity(material: SigningMaterial, verify: boolean) {
    const endpoints = (path: string) => [
      { Binding: BINDINGS.redirect, Location: `${opts.issuer}${path}` },
      { Binding: BINDINGS.post, Location: `${opts.issuer}${path}` },
    ];
    return samlify.IdentityProvider({
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
    } as Parameters<typeof samlify.IdentityProvider>[0]);
  }

  async function current() {
    const material = await opts.certificates.current();
    if (built?.version !== material.version) {
      built = {
        version: material.version, material, strict: entity(material, true), lenient: entity(material, false),
        metadata: buildIdpMetadata(opts.issuer, opts.entityId, material.published),
        // Parsed once: a PEM key would be parsed again for every signature. samlify wants the
        // certificate's base64 body, without PEM armour.
        key: createPrivateKey(material.privateKey), cert: material.certificate.replace(/-----[^-]+-----|\s+/g, ''),
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

/** Runs `fn` with each of the SP's samlify entities until one verifies; refusals carry the SP. */
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
  throw asRefusal(last, sp.id);
}
