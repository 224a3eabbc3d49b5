/**
 * A company SAML IdP's metadata, and Wayfinder's SP metadata for a connection. Rules:
 * - IdP metadata passes the shared validator first (size, encoding, no DTD, SAML metadata schema);
 * - exactly one IDPSSODescriptor; a SingleSignOnService with the HTTP-Redirect binding (where our
 *   AuthnRequest goes); signing certificates are the KeyDescriptors with use="signing" or with no
 *   `use` at all (both may sign), every one of them, so a rollover with two certificates works;
 * - metadata from a URL is fetched through the guarded fetch (https, no private targets, size and
 *   time limits), refreshed on a schedule, and a failed or invalid fetch keeps the last good copy
 *   (the error is recorded on the connection);
 * - our SP metadata (samlify) is served at the connection's stable entity ID URL: its ACS (HTTP-POST),
 *   the NameID format we ask for, and that we want signed assertions.
 */
import { DOMParser } from '@xmldom/xmldom';
import type { Logger } from '../lib/log.js';
import { BINDINGS, samlify, type Samlify } from '../saml/lib.js';
import { childElements } from '../saml/dom.js';
import type { XmlValidator } from '../saml/validator.js';
import { fetchText, type GuardedFetch } from './fetch.js';
import type { ConnectorStore } from './store.js';

export const MD_NS = 'urn:oasis:names:tc:SAML:2.0:metadata';
export const DS_NS = 'http://www.w3.org/2000/09/xmldsig#';

export const NAMEID_FORMATS = {
  persistent: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
  emailAddress: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
  unspecified: 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
} as const;

export interface IdpMetadata { entityId: string; ssoUrl: string; certificates: string[] }

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
  if (!root || root.namespaceURI !== MD_NS || root.localName !== 'EntityDescriptor') throw new MetadataProblem('the IdP metadata is not an EntityDescriptor');
  const entityId = root.getAttribute('entityID') ?? '';
  const descriptors = children(root, MD_NS, 'IDPSSODescriptor');
  if (descriptors.length !== 1) throw new MetadataProblem(`the IdP metadata has ${descriptors.length} IDPSSODescriptor elements (one expected)`);
  const [idp] = descriptors;
  const sso = children(idp, MD_NS, 'SingleSignOnService').find((s) => s.getAttribute('Binding') === BINDINGS.redirect);
  if (!sso?.getAttribute('Location')) throw new MetadataProblem('the IdP metadata has no SingleSignOnService with the HTTP-Redirect binding');
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
  entityId: string; acsUrl: string; nameIdFormat: keyof typeof NAMEID_FORMATS; relayState?: string;
  /** The connection's encryption key: its certificate is published, its private key decrypts. */
  encryption?: { privateKey: string; certificate: string };
}) {
  return samlify().ServiceProvider({
    entityID: opts.entityId,
    ...(opts.encryption ? { encryptCert: opts.encryption.certificate, encPrivateKey: opts.encryption.privateKey, isAssertionEncrypted: true } : {}),
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

export interface RefresherDeps { store: ConnectorStore; fetch: GuardedFetch; validator: XmlValidator; intervalSeconds: number; log: Logger }

/** Fetches metadata given by URL; keeps the last good copy when a fetch fails or is invalid. */
export function createMetadataRefresher(d: RefresherDeps) {
  async function refresh(id: string, url: string) {
    try {
      const xml = await fetchText(d.fetch, url);
      parseIdpMetadata(d.validator, xml);
      await d.store.recordMetadata(id, { metadata: xml });
      return { ok: true as const };
    } catch (err) {
      const error = (err as Error).message;
      await d.store.recordMetadata(id, { error });
      d.log.warn({ connectionId: id, err: error }, 'SAML metadata refresh failed; the last good copy stays in use');
      return { ok: false as const, error };
    }
  }

  /** Refreshes every connection whose metadata is older than the interval (or was never fetched). */
  async function refreshDue(now = Date.now()) {
    for (const c of await d.store.connectionsWithMetadataUrl()) {
      const url = c.settings.metadata_url;
      const age = c.metadata_fetched_at ? now - c.metadata_fetched_at.getTime() : Infinity;
      if (typeof url === 'string' && c.enabled && age >= d.intervalSeconds * 1000 * 0.9) await refresh(c.id, url);
    }
  }

  return {
    refresh,
    refreshDue,
    /** Refreshes now and then on a schedule; returns the stop function. */
    start() {
      const run = () => refreshDue().catch((err) => d.log.error({ err }, 'SAML metadata refresh round failed'));
      void run();
      const timer = setInterval(run, Math.max(60, Math.floor(d.intervalSeconds / 4)) * 1000);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}
export type MetadataRefresher = ReturnType<typeof createMetadataRefresher>;
