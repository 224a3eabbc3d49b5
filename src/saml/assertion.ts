/**
 * Building the SAML Response. Rules:
 * - every value that reaches the XML is escaped here, in one function, in a single pass (a value
 *   can neither close an element nor be mistaken for a template tag: user data is never re-scanned);
 * - one assertion, for one audience (the SP's entity ID), bearer confirmation bound to the ACS URL
 *   and to the request ID, valid from now − clock skew to now + lifetime;
 * - RSA-SHA256 signatures with exclusive canonicalization (samlify / xml-crypto): the assertion,
 *   the response or both, as the SP is configured (an error response has no assertion, so the
 *   response itself is always signed then);
 * - encryption (RSA-OAEP key transport, AES-GCM unless the SP's metadata prefers another listed
 *   method) happens after the assertion is signed and before the response is.
 */
import { randomBytes, type KeyObject } from 'node:crypto';
import { samlify, type Samlify, STATUS } from './lib.js';
import type { ServiceProvider } from './registry.js';

const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const RSA_OAEP = 'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p';
const DATA_ENCRYPTION = [
  'http://www.w3.org/2009/xmlenc11#aes256-gcm', 'http://www.w3.org/2009/xmlenc11#aes128-gcm',
  'http://www.w3.org/2001/04/xmlenc#aes256-cbc', 'http://www.w3.org/2001/04/xmlenc#aes128-cbc',
];
const ASSERTION_XPATH = "/*[local-name(.)='Response']/*[local-name(.)='Assertion']";

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
/** XML-escapes text for element content and attribute values; drops characters XML 1.0 forbids. */
export const esc = (value: string) => value
  .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
  .replace(/[&<>"']/g, (c) => ESCAPES[c]);
const attr = (name: string, value: string | undefined) => (value === undefined ? '' : ` ${name}="${esc(value)}"`);

export const newId = () => `_${randomBytes(20).toString('hex')}`;

export interface SamlAttribute { name: string; nameFormat: string; values: string[] }

export interface AssertionContent {
  nameId: string;
  nameIdFormat: string;
  sessionIndex: string;
  authnInstant: Date;
  authnContext: string;
  attributes: SamlAttribute[];
}

export interface ResponseInput {
  issuer: string;
  sp: ServiceProvider;
  acsUrl: string;
  inResponseTo?: string;
  /** Absent: an error response with this status (second-level code optional). */
  assertion?: AssertionContent;
  status?: { code: string; subCode?: string };
  lifetimeSeconds: number;
  clockSkewSeconds: number;
}

export interface SigningKey { privateKey: string | KeyObject; certificate: string }

function assertionXml(i: ResponseInput, a: AssertionContent, now: Date) {
  const issued = now.toISOString();
  const notBefore = new Date(now.getTime() - i.clockSkewSeconds * 1000).toISOString();
  const notOnOrAfter = new Date(now.getTime() + i.lifetimeSeconds * 1000).toISOString();
  const attributes = a.attributes.filter((x) => x.values.length).map((x) => `<saml:Attribute${attr('Name', x.name)}${attr('NameFormat', x.nameFormat)}>${
    x.values.map((v) => `<saml:AttributeValue xsi:type="xs:string">${esc(v)}</saml:AttributeValue>`).join('')}</saml:Attribute>`).join('');
  return `<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"${attr('ID', newId())} Version="2.0"${attr('IssueInstant', issued)}>`
    + `<saml:Issuer>${esc(i.issuer)}</saml:Issuer>`
    + `<saml:Subject><saml:NameID${attr('Format', a.nameIdFormat)}>${esc(a.nameId)}</saml:NameID>`
    + `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData${attr('NotOnOrAfter', notOnOrAfter)}${attr('Recipient', i.acsUrl)}${attr('InResponseTo', i.inResponseTo)}/></saml:SubjectConfirmation></saml:Subject>`
    + `<saml:Conditions${attr('NotBefore', notBefore)}${attr('NotOnOrAfter', notOnOrAfter)}><saml:AudienceRestriction><saml:Audience>${esc(i.sp.entityId)}</saml:Audience></saml:AudienceRestriction></saml:Conditions>`
    + `<saml:AuthnStatement${attr('AuthnInstant', a.authnInstant.toISOString())}${attr('SessionIndex', a.sessionIndex)}><saml:AuthnContext><saml:AuthnContextClassRef>${esc(a.authnContext)}</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>`
    + (attributes ? `<saml:AttributeStatement>${attributes}</saml:AttributeStatement>` : '')
    + '</saml:Assertion>';
}

/** The unsigned Response XML. */
export function responseXml(i: ResponseInput, now = new Date()): string {
  const status = i.status ?? { code: STATUS.success };
  const sub = status.subCode ? `<samlp:StatusCode${attr('Value', status.subCode)}/>` : '';
  return `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"${attr('ID', newId())} Version="2.0"${attr('IssueInstant', now.toISOString())}${attr('Destination', i.acsUrl)}${attr('InResponseTo', i.inResponseTo)}>`
    + `<saml:Issuer>${esc(i.issuer)}</saml:Issuer>`
    + `<samlp:Status><samlp:StatusCode${attr('Value', status.code)}>${sub}</samlp:StatusCode></samlp:Status>`
    + (i.assertion ? assertionXml(i, i.assertion, now) : '')
    + '</samlp:Response>';
}

function sign(xml: string, key: SigningKey, target: 'assertion' | 'response') {
  const under = target === 'assertion' ? ASSERTION_XPATH : "/*[local-name(.)='Response']";
  return samlify().SamlLib.constructSAMLSignature({
    rawSamlMessage: xml, privateKey: key.privateKey, signingCert: key.certificate, signatureAlgorithm: RSA_SHA256, isBase64Output: false,
    ...(target === 'assertion' ? { referenceTagXPath: ASSERTION_XPATH } : { isMessageSigned: true }),
    signatureConfig: { prefix: 'ds', location: { reference: `${under}/*[local-name(.)='Issuer']`, action: 'after' } },
  } as Parameters<Samlify['SamlLib']['constructSAMLSignature']>[0]) as string;
}

async function encrypt(xml: string, sp: ServiceProvider) {
  const method = sp.encryptionMethods.find((m) => DATA_ENCRYPTION.includes(m)) ?? DATA_ENCRYPTION[0];
  const source = { entitySetting: { isAssertionEncrypted: true, dataEncryptionAlgorithm: method, keyEncryptionAlgorithm: RSA_OAEP, tagPrefix: { encryptedAssertion: 'saml' } } };
  const target = { entityMeta: { getX509Certificate: () => sp.encryptionCert } };
  const base64 = await samlify().SamlLib.encryptAssertion(source as never, target as never, xml);
  return Buffer.from(base64, 'base64').toString('utf8');
}

/** The signed (and, when configured, encrypted) Response, as XML. */
export async function buildResponse(i: ResponseInput, key: SigningKey): Promise<string> {
  let xml = responseXml(i);
  const mode = i.sp.settings.sign;
  if (i.assertion && mode !== 'response') xml = sign(xml, key, 'assertion');
  if (i.assertion && i.sp.settings.encrypt_assertion) xml = await encrypt(xml, i.sp);
  if (!i.assertion || mode !== 'assertion') xml = sign(xml, key, 'response');
  return xml;
}
