/**
 * Wayfinder as a SAML service provider for company connections (src/connectors/saml.ts calls this):
 * a company SAML IdP's metadata, and Wayfinder's SP metadata for a connection. Rules:
 * - IdP metadata passes the shared validator first (size, encoding, no DTD, SAML metadata schema);
 * - exactly one IDPSSODescriptor; a SingleSignOnService with the HTTP-Redirect binding (where our
 *   AuthnRequest goes); signing certificates are the KeyDescriptors with use="signing" or with no
 *   `use` at all (both may sign), every one of them, so a rollover with two certificates works;
 * - our SP metadata (samlify) is served at the connection's stable entity ID URL: its ACS (HTTP-POST),
 *   the NameID format we ask for, and that we want signed assertions.
 */
import { DOMParser } from '@xmldom/xmldom';
import { BINDINGS, samlify, type Samlify } from '../lib.js';
import { childElements } from '../dom.js';
import type { XmlValidator } from '../validator.js';

export const MD_NS = 'urn:oasis:names:tc:SAML:2.0:metadata';
export const DS_NS = 'http://www.w3.org/2000/09/xmldsig#';

export const NAMEID_FORMATS = {
  persistent: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
  emailAddress: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
  unspecified: 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
} as const;

export interface IdpMetadata {
  entityId: string;
  ssoUrl: string;
  certificates: string[];
}

export class MetadataProblem extends Error {}

const children = childElements;

/** Validates and reads IdP metadata; throws MetadataProblem with a readable reason. */
export function parseIdpMetadata(validator: XmlValidator, xml: string): IdpMetadata {
  try {
    validator.validate(xml, 'metadata');
  } catch (err) {
    throw new MetadataProblem(`the IdP metadata is not valid: ${(err as Error).message}`);
  }
  const doc = new DOMParser({ errorHandler: { error: () => undefined, fatalError: () => undefined } }).parseFromString(xml, 'text/xml');
  const root = doc.documentElement;
  if (!root || root.namespaceURI !== MD_NS || root.localName !== 'EntityDescriptor')
    throw new MetadataProblem('the IdP metadata is not an EntityDescriptor');
  const entityId = root.getAttribute('entityID') ?? '';
  const descriptors = children(root, MD_NS, 'IDPSSODescriptor');
  if (descriptors.length !== 1)
    throw new MetadataProblem(`the IdP metadata has ${descriptors.length} IDPSSODescriptor elements (one expected)`);
  const [idp] = descriptors;
  const sso = children(idp, MD_NS, 'SingleSignOnService').find((s) => s.getAttribute('Binding') === BINDINGS.redirect);
  if (!sso?.getAttribute('Location'))
    throw new MetadataProblem('the IdP metadata has no SingleSignOnService with the HTTP-Redirect binding');
  const certificates: string[] = [];
  for (const key of children(idp, MD_NS, 'KeyDescriptor')) {
    const use = key.getAttribute('use');
    if (use && use !== 'signing') continue;
    for (const info of children(key, DS_NS, 'KeyInfo')) {
      for (const data of children(info, DS_NS, 'X509Data')) {
        for (const cert of children(data, DS_NS, 'X509Certificate')) certificates.push((cert.textContent ?? '').replace(/\s+/g, ''));
      }
    }
  }
  if (!certificates.length) throw new MetadataProblem('the IdP metadata has no signing certificate');
  return { entityId, ssoUrl: sso.getAttribute('Location')!, certificates: [...new Set(certificates)] };
}

/** samlify's view of Wayfinder for one connection: builds AuthnRequests and our SP metadata. */
export function spEntity(opts: {
  entityId: string;
  acsUrl: string;
  nameIdFormat: keyof typeof NAMEID_FORMATS;
  relayState?: string;
  /** The connection's encryption key: its certificate is published, its private key decrypts. */
  encryption?: { privateKey: string; certificate: string };
}) {
  return samlify().ServiceProvider({
    entityID: opts.entityId,
    ...(opts.encryption
      ? { encryptCert: opts.encryption.certificate, encPrivateKey: opts.encryption.privateKey, isAssertionEncrypted: true }
      : {}),
    assertionConsumerService: [{ Binding: BINDINGS.post, Location: opts.acsUrl }],
    nameIDFormat: [NAMEID_FORMATS[opts.nameIdFormat]],
    authnRequestsSigned: false,
    wantAssertionsSigned: true,
    relayState: opts.relayState,
  } as Parameters<Samlify['ServiceProvider']>[0]);
}

/** samlify's view of the company IdP, from what we read of its metadata (never from its XML again). */
export function idpEntity(md: IdpMetadata) {
  return samlify().IdentityProvider({
    entityID: md.entityId,
    signingCert: md.certificates[0],
    singleSignOnService: [{ Binding: BINDINGS.redirect, Location: md.ssoUrl }],
    wantAuthnRequestsSigned: false,
  } as Parameters<Samlify['IdentityProvider']>[0]);
}

/** Decrypts an encrypted assertion with the connection's own key (after response.ts's algorithm checks). */
export async function decryptAssertion(sp: ReturnType<typeof spEntity>, xml: string): Promise<string> {
  return (await samlify().SamlLib.decryptAssertion(sp, xml))[0] as string;
}
