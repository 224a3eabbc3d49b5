/**
 * Building the SAML Response. Rules:
 * - every value that reaches the XML is escaped here, in one function, in a single pass (a value
 *   can neither close an element nor be mistaken for a template tag: user data is never re-scanned);
 * - one assertion, for one audience (the SP's entity ID), bearer confirmation bound to the ACS URL
 *   and to the request ID, valid from now − clock skew to now + lifetime;
 * - RSA-SHA256 enveloped signatures with exclusive canonicalization, made from our own tree
 *   (xml-tree.ts; xml-crypto only for a response around an encrypted assertion): the assertion, the
 *   response or both, as the SP is configured (an error response has no assertion, so the response
 *   itself is always signed then);
 * - encryption (RSA-OAEP key transport, AES-GCM unless the SP's metadata prefers another listed
 *   method) happens after the assertion is signed and before the response is.
 */
import { createPrivateKey, randomBytes, type KeyObject } from 'node:crypto';
import { samlify, type Samlify, STATUS } from './lib.js';
import type { ServiceProvider } from './registry.js';
import { el, render, signEnveloped, type XmlElement } from './xml-tree.js';

const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const RSA_OAEP = 'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p';
const DATA_ENCRYPTION = [
  'http://www.w3.org/2009/xmlenc11#aes256-gcm',
  'http://www.w3.org/2009/xmlenc11#aes128-gcm',
  'http://www.w3.org/2001/04/xmlenc#aes256-cbc',
  'http://www.w3.org/2001/04/xmlenc#aes128-cbc',
];

export { esc } from './xml-tree.js';

export const newId = () => `_${randomBytes(20).toString('hex')}`;

export interface SamlAttribute {
  name: string;
  nameFormat: string;
  values: string[];
}

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

export interface SigningKey {
  privateKey: string | KeyObject;
  certificate: string;
}

function assertionTree(i: ResponseInput, a: AssertionContent, now: Date): XmlElement {
  const notOnOrAfter = new Date(now.getTime() + i.lifetimeSeconds * 1000).toISOString();
  const attributes = a.attributes
    .filter((x) => x.values.length)
    .map((x) =>
      el(
        'saml:Attribute',
        [
          ['Name', x.name],
          ['NameFormat', x.nameFormat],
        ],
        x.values.map((v) => el('saml:AttributeValue', [['xsi:type', 'xs:string']], [v])),
      ),
    );
  return el(
    'saml:Assertion',
    [
      ['ID', newId()],
      ['Version', '2.0'],
      ['IssueInstant', now.toISOString()],
    ],
    [
      el('saml:Issuer', [], [i.issuer]),
      el(
        'saml:Subject',
        [],
        [
          el('saml:NameID', [['Format', a.nameIdFormat]], [a.nameId]),
          el(
            'saml:SubjectConfirmation',
            [['Method', 'urn:oasis:names:tc:SAML:2.0:cm:bearer']],
            [
              el('saml:SubjectConfirmationData', [
                ['NotOnOrAfter', notOnOrAfter],
                ['Recipient', i.acsUrl],
                ['InResponseTo', i.inResponseTo],
              ]),
            ],
          ),
        ],
      ),
      el(
        'saml:Conditions',
        [
          ['NotBefore', new Date(now.getTime() - i.clockSkewSeconds * 1000).toISOString()],
          ['NotOnOrAfter', notOnOrAfter],
        ],
        [el('saml:AudienceRestriction', [], [el('saml:Audience', [], [i.sp.entityId])])],
      ),
      el(
        'saml:AuthnStatement',
        [
          ['AuthnInstant', a.authnInstant.toISOString()],
          ['SessionIndex', a.sessionIndex],
        ],
        [el('saml:AuthnContext', [], [el('saml:AuthnContextClassRef', [], [a.authnContext])])],
      ),
      ...(attributes.length ? [el('saml:AttributeStatement', [], attributes)] : []),
    ],
    ['saml', 'xs', 'xsi'],
  );
}

function responseTree(i: ResponseInput, now: Date): { response: XmlElement; assertion?: XmlElement } {
  const status = i.status ?? { code: STATUS.success };
  const assertion = i.assertion && assertionTree(i, i.assertion, now);
  const response = el(
    'samlp:Response',
    [
      ['ID', newId()],
      ['Version', '2.0'],
      ['IssueInstant', now.toISOString()],
      ['Destination', i.acsUrl],
      ['InResponseTo', i.inResponseTo],
    ],
    [
      el('saml:Issuer', [], [i.issuer]),
      el(
        'samlp:Status',
        [],
        [el('samlp:StatusCode', [['Value', status.code]], status.subCode ? [el('samlp:StatusCode', [['Value', status.subCode]])] : [])],
      ),
      ...(assertion ? [assertion] : []),
    ],
    ['samlp', 'saml'],
  );
  return { response, assertion };
}

/** The unsigned Response XML. */
export const responseXml = (i: ResponseInput, now = new Date()): string => render(responseTree(i, now).response);

/** With samlify (xml-crypto): for a response holding an encrypted assertion, which is not our own tree. */
function signWithSamlify(xml: string, key: SigningKey) {
  return samlify().SamlLib.constructSAMLSignature({
    rawSamlMessage: xml,
    privateKey: key.privateKey,
    signingCert: key.certificate,
    signatureAlgorithm: RSA_SHA256,
    isBase64Output: false,
    isMessageSigned: true,
    signatureConfig: { prefix: 'ds', location: { reference: "/*[local-name(.)='Response']/*[local-name(.)='Issuer']", action: 'after' } },
  } as Parameters<Samlify['SamlLib']['constructSAMLSignature']>[0]) as string;
}

async function encrypt(xml: string, sp: ServiceProvider) {
  const method = sp.encryptionMethods.find((m) => DATA_ENCRYPTION.includes(m)) ?? DATA_ENCRYPTION[0];
  const source = {
    entitySetting: {
      isAssertionEncrypted: true,
      dataEncryptionAlgorithm: method,
      keyEncryptionAlgorithm: RSA_OAEP,
      tagPrefix: { encryptedAssertion: 'saml' },
    },
  };
  const target = { entityMeta: { getX509Certificate: () => sp.encryptionCert } };
  const base64 = await samlify().SamlLib.encryptAssertion(source as never, target as never, xml);
  return Buffer.from(base64, 'base64').toString('utf8');
}

/** The signed (and, when configured, encrypted) Response, as XML. */
export async function buildResponse(i: ResponseInput, key: SigningKey): Promise<string> {
  const privateKey = typeof key.privateKey === 'string' ? createPrivateKey(key.privateKey) : key.privateKey;
  const { response, assertion } = responseTree(i, new Date());
  const mode = i.sp.settings.sign;
  if (assertion && mode !== 'response') signEnveloped(assertion, privateKey, key.certificate);
  if (assertion && i.sp.settings.encrypt_assertion) {
    const xml = await encrypt(render(response), i.sp);
    return mode === 'assertion' ? xml : signWithSamlify(xml, { ...key, privateKey });
  }
  if (!assertion || mode !== 'assertion') signEnveloped(response, privateKey, key.certificate);
  return render(response);
}
