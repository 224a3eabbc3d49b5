/**
 * Metadata both ways. Reading a service provider's metadata (at registration, so a rare operation):
 * it must pass the validator (no DTD, schema-valid EntityDescriptor), hold exactly one
 * SPSSODescriptor for SAML 2.0 and at least one HTTP-POST AssertionConsumerService (responses only
 * ever go by POST to a URL from here); a KeyDescriptor without `use` counts for signing and
 * encryption. Writing ours: entity ID, every published signing certificate (both during a rollover),
 * SSO and SLO endpoints for HTTP-Redirect and HTTP-POST, and the NameID formats we issue.
 */
import { DOMParser } from '@xmldom/xmldom';
import { AppError } from '../lib/errors.js';
import { samlify, type Samlify, BINDINGS } from './lib.js';
import { childElements } from './dom.js';
import { NAMEID_FORMATS } from './settings.js';
import type { XmlValidator } from './validator.js';
import { XmlRejected } from './validator.js';

const NS = { md: 'urn:oasis:names:tc:SAML:2.0:metadata', ds: 'http://www.w3.org/2000/09/xmldsig#' };

export interface Endpoint {
  binding: string;
  location: string;
  responseLocation?: string;
  index?: number;
  isDefault?: boolean;
}

export interface SpDescription {
  entityId: string;
  acs: Endpoint[];
  slo: Endpoint[];
  signingCerts: string[];
  encryptionCert?: string;
  encryptionMethods: string[];
  authnRequestsSigned: boolean;
  wantAssertionsSigned: boolean;
  nameIdFormats: string[];
}

const invalid = (message: string) => new AppError('saml_bad_metadata', 400, `the service provider metadata ${message}`);
const certText = (s: string) => s.replace(/\s+/g, '');

/** Reads a service provider's metadata; throws AppError('saml_bad_metadata') naming the problem. */
export function parseSpMetadata(xml: string, validator: XmlValidator): SpDescription {
  try {
    validator.validate(xml, 'metadata');
  } catch (e) {
    if (e instanceof XmlRejected) throw invalid(`is not acceptable (${e.reason}): ${e.message}`);
    throw e;
  }
  // Read with xmldom, not libxmljs's node API: libxmljs wrappers of namespace nodes crash the
  // garbage collector (a V8 allocation inside a weak callback). The XML already passed the validator.
  const root = new DOMParser().parseFromString(xml, 'text/xml').documentElement as unknown as Element;
  const children = childElements;
  const entityId = root.getAttribute('entityID') ?? '';
  const saml2 = children(root, NS.md, 'SPSSODescriptor').filter((d) =>
    (d.getAttribute('protocolSupportEnumeration') ?? '').split(/\s+/).includes('urn:oasis:names:tc:SAML:2.0:protocol'),
  );
  if (saml2.length !== 1) throw invalid('must describe exactly one SAML 2.0 service provider (SPSSODescriptor)');
  const sp = saml2[0];
  const attr = (el: Element, name: string) => (el.hasAttribute(name) ? el.getAttribute(name)! : undefined);
  const endpoints = (name: string): Endpoint[] =>
    children(sp, NS.md, name).map((el) => ({
      binding: attr(el, 'Binding') ?? '',
      location: attr(el, 'Location') ?? '',
      responseLocation: attr(el, 'ResponseLocation'),
      index: attr(el, 'index') !== undefined ? Number(attr(el, 'index')) : undefined,
      isDefault: attr(el, 'isDefault') === 'true' || attr(el, 'isDefault') === '1',
    }));
  const acs = endpoints('AssertionConsumerService').filter((e) => e.binding === BINDINGS.post);
  if (!acs.length) throw invalid('has no AssertionConsumerService with the HTTP-POST binding (Wayfinder sends responses by POST only)');
  for (const e of [...acs, ...endpoints('SingleLogoutService')]) {
    const url = URL.parse(e.location);
    if (!url || !['https:', 'http:'].includes(url.protocol)) throw invalid(`has an endpoint that is not an http(s) URL: ${e.location}`);
  }
  const keys = children(sp, NS.md, 'KeyDescriptor')
    .map((k) => ({
      use: attr(k, 'use'),
      cert: certText(
        children(k, NS.ds, 'KeyInfo')
          .flatMap((i) => children(i, NS.ds, 'X509Data'))
          .flatMap((x) => children(x, NS.ds, 'X509Certificate'))[0]?.textContent ?? '',
      ),
      methods: children(k, NS.md, 'EncryptionMethod').map((m) => attr(m, 'Algorithm') ?? ''),
    }))
    .filter((k) => k.cert);
  const signing = keys.filter((k) => k.use !== 'encryption');
  const encryption = keys.find((k) => k.use === 'encryption') ?? keys.find((k) => !k.use);
  const bool = (name: string) => ['true', '1'].includes(attr(sp, name) ?? '');
  if (bool('AuthnRequestsSigned') && !signing.length) throw invalid('says its requests are signed but holds no signing certificate');
  return {
    entityId,
    acs,
    slo: endpoints('SingleLogoutService').filter((e) => e.binding === BINDINGS.redirect || e.binding === BINDINGS.post),
    signingCerts: signing.map((k) => k.cert),
    encryptionCert: encryption?.cert,
    encryptionMethods: encryption?.methods ?? [],
    authnRequestsSigned: bool('AuthnRequestsSigned'),
    wantAssertionsSigned: bool('WantAssertionsSigned'),
    nameIdFormats: children(sp, NS.md, 'NameIDFormat').map((n) => (n.textContent ?? '').trim()),
  };
}

/** Our IdP metadata, for every published certificate. */
export function buildIdpMetadata(issuer: string, entityId: string, certificates: string[]): string {
  const endpoints = (path: string) => [
    { Binding: BINDINGS.redirect, Location: `${issuer}${path}` },
    { Binding: BINDINGS.post, Location: `${issuer}${path}` },
  ];
  return samlify()
    .IdentityProvider({
      entityID: entityId,
      signingCert: certificates,
      wantAuthnRequestsSigned: false,
      singleSignOnService: endpoints('/saml/sso'),
      singleLogoutService: endpoints('/saml/slo'),
      nameIDFormat: Object.values(NAMEID_FORMATS),
      // The order saml-schema-metadata-2.0 requires (samlify's default order is not schema-valid).
      elementsOrder: samlify().Constants.elementsOrder.idp.shibboleth,
    } as Parameters<Samlify['IdentityProvider']>[0])
    .getMetadata();
}
