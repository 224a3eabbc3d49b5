/**
 * A company SAML identity provider written with other parts than Wayfinder's: responses are built
 * here as plain XML and signed with @node-saml/node-saml's signing helper (not samlify), with keys
 * and self-signed certificates of its own. It serves its metadata over HTTP (so a connection can
 * fetch it from a URL), reads AuthnRequests from the HTTP-Redirect binding, and builds responses
 * whose every part a test can change (to produce refusals and signature-wrapping shapes).
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { inflateRawSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { signSamlPost } from '@node-saml/node-saml/lib/saml-post-signing.js';
import { generateCertificate } from '../../src/saml/certificates.js';

export const PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';
export const TRANSIENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient';
// xml-encryption (node-saml's encryption library, not samlify's) has no type declarations.
const xmlenc = createRequire(import.meta.url)('xml-encryption') as {
  encrypt(content: string, options: Record<string, unknown>, callback: (err: Error | null, result: string) => void): void;
};
export const ENCRYPTION = {
  aes256gcm: 'http://www.w3.org/2009/xmlenc11#aes256-gcm',
  aes128cbc: 'http://www.w3.org/2001/04/xmlenc#aes128-cbc',
  tripledes: 'http://www.w3.org/2001/04/xmlenc#tripledes-cbc',
  oaep: 'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p',
  rsa15: 'http://www.w3.org/2001/04/xmlenc#rsa-1_5',
} as const;

const RESPONSE_XPATH = '/*[local-name(.)="Response" and namespace-uri(.)="urn:oasis:names:tc:SAML:2.0:protocol"]';
const ASSERTION_XPATH = `${RESPONSE_XPATH}/*[local-name(.)="Assertion" and namespace-uri(.)="urn:oasis:names:tc:SAML:2.0:assertion"]`;

export interface Key {
  privateKey: string;
  certificate: string;
  body: string;
}
export const newKey = async (cn: string): Promise<Key> => {
  const k = await generateCertificate(cn);
  return { ...k, body: k.certificate.replace(/-----[^-]+-----|\s+/g, '') };
};

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const iso = (offsetSeconds: number) => new Date(Date.now() + offsetSeconds * 1000).toISOString();
export const newId = () => `_${randomBytes(16).toString('hex')}`;

export interface ResponseOptions {
  acs: string;
  audience: string;
  inResponseTo?: string;
  nameId?: string;
  nameIdFormat?: string;
  attributes?: Record<string, string[]>;
  authnContext?: string;
  issuer?: string;
  /** Seconds from now. */
  notBefore?: number;
  notOnOrAfter?: number;
  destination?: string;
  recipient?: string;
  assertionId?: string;
  responseId?: string;
  sign?: 'assertion' | 'response' | 'both' | 'none';
  key?: Key;
  keyInfo?: boolean;
  algorithm?: 'sha256' | 'sha1';
  status?: string;
}

export async function startCompanySamlIdp(opts: { entityId?: string } = {}) {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const entityId = opts.entityId ?? `${base}/idp`;
  const key = await newKey('idp.fabrikam.test');
  const state = {
    /** Certificates published in the metadata, with their `use` (undefined: no `use` attribute). */
    published: [{ key, use: 'signing' as string | undefined }],
    /** Replaces the metadata document served (for refresh tests). */
    metadataOverride: undefined as string | undefined,
    metadataDelayMs: 0,
    metadataFetches: 0,
  };

  const metadata = () => `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${esc(entityId)}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
${state.published.map((p) => `    <md:KeyDescriptor${p.use ? ` use="${p.use}"` : ''}><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${p.key.body}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`).join('\n')}
    <md:NameIDFormat>${PERSISTENT}</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${base}/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`;

  const timers = new Set<NodeJS.Timeout>();
  server.on('request', (req, res) => {
    if (req.url === '/metadata') {
      state.metadataFetches += 1;
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!res.destroyed)
          res.writeHead(200, { 'content-type': 'application/samlmetadata+xml' }).end(state.metadataOverride ?? metadata());
      }, state.metadataDelayMs);
      timers.add(timer);
      return;
    }
    res.writeHead(404).end();
  });

  /** Reads an AuthnRequest sent with the HTTP-Redirect binding. */
  function readRequest(url: string) {
    const u = new URL(url);
    if (!u.href.startsWith(`${base}/sso`)) throw new Error(`not a request to this IdP: ${url}`);
    const xml = inflateRawSync(Buffer.from(u.searchParams.get('SAMLRequest')!, 'base64')).toString('utf8');
    const attr = (name: string) => new RegExp(`\\s${name}="([^"]*)"`).exec(xml)?.[1];
    return {
      xml,
      id: attr('ID')!,
      acs: attr('AssertionConsumerServiceURL'),
      relayState: u.searchParams.get('RelayState') ?? undefined,
      nameIdFormat: /NameIDPolicy[^>]*Format="([^"]*)"/.exec(xml)?.[1],
      issuer: /<saml:Issuer[^>]*>([^<]*)</.exec(xml)?.[1],
    };
  }

  /** The XML of a response (unsigned), for tests that reshape it before signing. */
  function responseXml(o: ResponseOptions) {
    const assertionId = o.assertionId ?? newId();
    const responseId = o.responseId ?? newId();
    const irt = o.inResponseTo ? ` InResponseTo="${esc(o.inResponseTo)}"` : '';
    const attributes = Object.entries(o.attributes ?? {})
      .map(
        ([name, values]) =>
          `<saml:Attribute Name="${esc(name)}">${values.map((v) => `<saml:AttributeValue>${esc(v)}</saml:AttributeValue>`).join('')}</saml:Attribute>`,
      )
      .join('');
    return (
      `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${responseId}" Version="2.0" IssueInstant="${iso(0)}" Destination="${esc(o.destination ?? o.acs)}"${irt}>` +
      `<saml:Issuer>${esc(o.issuer ?? entityId)}</saml:Issuer>` +
      `<samlp:Status><samlp:StatusCode Value="${o.status ?? 'urn:oasis:names:tc:SAML:2.0:status:Success'}"/></samlp:Status>` +
      `<saml:Assertion ID="${assertionId}" Version="2.0" IssueInstant="${iso(0)}">` +
      `<saml:Issuer>${esc(o.issuer ?? entityId)}</saml:Issuer>` +
      `<saml:Subject><saml:NameID Format="${o.nameIdFormat ?? PERSISTENT}">${esc(o.nameId ?? 'subject-1')}</saml:NameID>` +
      `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData${irt} NotOnOrAfter="${iso(o.notOnOrAfter ?? 300)}" Recipient="${esc(o.recipient ?? o.acs)}"/></saml:SubjectConfirmation></saml:Subject>` +
      `<saml:Conditions NotBefore="${iso(o.notBefore ?? -30)}" NotOnOrAfter="${iso(o.notOnOrAfter ?? 300)}"><saml:AudienceRestriction><saml:Audience>${esc(o.audience)}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
      `<saml:AuthnStatement AuthnInstant="${iso(-5)}" SessionIndex="${newId()}"><saml:AuthnContext><saml:AuthnContextClassRef>${o.authnContext ?? 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport'}</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
      (attributes ? `<saml:AttributeStatement>${attributes}</saml:AttributeStatement>` : '') +
      '</saml:Assertion></samlp:Response>'
    );
  }

  /** Signs the assertion and/or the response of `xml` (assertion first, as an IdP does). */
  function sign(xml: string, o: Pick<ResponseOptions, 'sign' | 'key' | 'keyInfo' | 'algorithm'> = {}) {
    const k = o.key ?? key;
    const options = {
      privateKey: k.privateKey,
      ...(o.keyInfo ? { publicCert: k.certificate } : {}),
      signatureAlgorithm: o.algorithm ?? 'sha256',
      digestAlgorithm: o.algorithm ?? 'sha256',
    } as const;
    const mode = o.sign ?? 'assertion';
    let out = xml;
    if (mode === 'assertion' || mode === 'both') out = signSamlPost(out, ASSERTION_XPATH, options);
    if (mode === 'response' || mode === 'both') out = signSamlPost(out, RESPONSE_XPATH, options);
    return out;
  }

  /** Replaces the (signed) assertion of `xml` by an EncryptedAssertion for `certificate` (PEM). */
  async function encrypt(xml: string, certificate: string, algorithms: { cipher?: string; keyTransport?: string } = {}) {
    const assertion = /<saml:Assertion[\s\S]*<\/saml:Assertion>/.exec(xml)![0];
    const data = await new Promise<string>((resolve, reject) =>
      xmlenc.encrypt(
        assertion,
        {
          rsa_pub: certificate,
          pem: certificate,
          encryptionAlgorithm: algorithms.cipher ?? ENCRYPTION.aes256gcm,
          keyEncryptionAlgorithm: algorithms.keyTransport ?? ENCRYPTION.oaep,
          disallowEncryptionWithInsecureAlgorithm: false,
          warnInsecureAlgorithm: false,
        },
        (err, result) => (err ? reject(err) : resolve(result)),
      ),
    );
    return xml.replace(assertion, `<saml:EncryptedAssertion>${data}</saml:EncryptedAssertion>`);
  }

  return {
    base,
    entityId,
    key,
    state,
    metadata,
    readRequest,
    responseXml,
    sign,
    encrypt,
    metadataUrl: `${base}/metadata`,
    /** A signed response, base64 as in the POST binding. */
    response: (o: ResponseOptions) => Buffer.from(sign(responseXml(o), o)).toString('base64'),
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
export type CompanySamlIdp = Awaited<ReturnType<typeof startCompanySamlIdp>>;
