/**
 * Verifying a company IdP's SAML Response (HTTP-POST binding) before anything is read from it.
 * Rules (DESIGN "Lessons"), each refusal naming the check that failed:
 * - size, encoding, no DTD or entity, schema-valid: the shared validator (src/saml/validator.ts);
 * - shape: one Response (the root), exactly one Assertion anywhere in the document and it is a
 *   child of the Response, every Signature a child of the Response or of the Assertion (at most one
 *   each), every ID unique in the document — together these refuse the XML signature wrapping
 *   shapes (XSW1–XSW8);
 * - an EncryptedAssertion (for the connection's own encryption key, published in its SP metadata)
 *   must be the only one and the Response's child; its algorithms are allowlisted (AES-CBC/GCM,
 *   RSA-OAEP; rsa-1_5 and 3DES refused); a Response signature is verified on the encrypted form,
 *   then the decrypted document passes every check above again;
 * - the Assertion must carry its own signature, with one Reference to its own ID and only the
 *   enveloped-signature and canonicalization transforms; a Response signature, when present, must
 *   verify too; SHA-1 (signature or digest) only when the connection opts in;
 * - signatures are checked against the certificates of the connection's metadata only, each in turn
 *   (a rollover publishes two; KeyInfo in the message is never trusted);
 * - claims are read only from the XML that xml-crypto reports as signed (saml-assertion.ts).
 */
import { childElement, NS, parseDom } from '../dom.js';
import type * as XmlCrypto from 'xml-crypto';
import { lazyModule } from '../../lib/lazy-module.js';
import { DIGEST_ALGORITHMS, SHA1, SIGNATURE_ALGORITHMS } from '../lib.js';
import type { XmlValidator } from '../validator.js';
import { fail, FederationError } from '../../connectors/errors.js';

/** Loaded with the first company SAML response (src/lib/lazy-module.ts). */
const xmlCrypto = lazyModule<typeof XmlCrypto>('xml-crypto');

export const P_NS = NS.protocol;
export const A_NS = NS.assertion;
const DS_NS = NS.dsig;
const XENC_NS = NS.xenc;
const TRANSFORMS = [
  'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
  'http://www.w3.org/2001/10/xml-exc-c14n#',
  'http://www.w3.org/2001/10/xml-exc-c14n#WithComments',
  'http://www.w3.org/TR/2001/REC-xml-c14n-20010315',
];
const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';
const BLOCK_CIPHERS = [
  'http://www.w3.org/2001/04/xmlenc#aes128-cbc',
  'http://www.w3.org/2001/04/xmlenc#aes256-cbc',
  'http://www.w3.org/2009/xmlenc11#aes128-gcm',
  'http://www.w3.org/2009/xmlenc11#aes256-gcm',
];
const KEY_TRANSPORT = ['http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p'];

/** A refusal of the response, naming the check (`[shape] …`, `[signature] …`). */
export const refuse = (check: string, detail: string) => fail('bad_response', `[${check}] ${detail}`);

export const elements = (root: Document | Element, ns: string, name: string): Element[] =>
  Array.from(root.getElementsByTagNameNS(ns, name));
export const child = childElement;

export const parseXml = (xml: string): Document =>
  parseDom(xml, (problem) => {
    throw refuse('xml', problem);
  });

const pem = (body: string) => `-----BEGIN CERTIFICATE-----\n${body.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;

function checkAlgorithms(signature: Element, allowSha1: boolean) {
  const info = child(signature, DS_NS, 'SignedInfo');
  const method = info && child(info, DS_NS, 'SignatureMethod')?.getAttribute('Algorithm');
  const refs = info ? elements(info, DS_NS, 'Reference') : [];
  const digests = refs.map((r) => child(r, DS_NS, 'DigestMethod')?.getAttribute('Algorithm') ?? '');
  const transforms = refs.flatMap((r) => elements(r, DS_NS, 'Transform').map((t) => t.getAttribute('Algorithm') ?? ''));
  const signatures = allowSha1 ? [...SIGNATURE_ALGORITHMS, SHA1.signature] : SIGNATURE_ALGORITHMS;
  const digestsOk = allowSha1 ? [...DIGEST_ALGORITHMS, SHA1.digest] : DIGEST_ALGORITHMS;
  if (!method || !signatures.includes(method)) throw refuse('algorithm', `signature algorithm ${method ?? '(none)'} is not accepted`);
  const badDigest = digests.find((a) => !digestsOk.includes(a));
  if (badDigest !== undefined) throw refuse('algorithm', `digest algorithm ${badDigest || '(none)'} is not accepted`);
  const badTransform = transforms.find((a) => !TRANSFORMS.includes(a));
  if (badTransform !== undefined) throw refuse('algorithm', `transform ${badTransform} is not accepted`);
  return refs;
}

/** Verifies `signature` (which must reference `#id` alone) with each certificate; returns the signed XML. */
function verifySignature(xml: string, signature: Element, id: string, certificates: string[], allowSha1: boolean, what: string): string {
  const refs = checkAlgorithms(signature, allowSha1);
  if (refs.length !== 1 || refs[0].getAttribute('URI') !== `#${id}`)
    throw refuse('signature', `the ${what} signature does not reference the ${what} itself`);
  for (const cert of certificates) {
    const sig = new (xmlCrypto().SignedXml)({ publicCert: pem(cert), getCertFromKeyInfo: () => null });
    try {
      sig.loadSignature(signature);
      if (sig.checkSignature(xml)) {
        const signed = sig.getSignedReferences();
        if (signed.length === 1) return signed[0];
      }
    } catch {
      // Not this certificate (or a malformed signature): try the next one, refuse after the last.
    }
  }
  throw refuse('signature', `the ${what} signature does not verify with the certificates of the connection's metadata`);
}

export interface VerifiedResponse {
  response: Element;
  /** The canonical XML of the Assertion exactly as signed, to read claims from. */
  signedAssertion: string;
  assertionId: string;
}

export interface VerifyOptions {
  certificates: string[];
  allowSha1: boolean;
  maxBytes: number;
  /** Decrypts the document's EncryptedAssertion in place (absent: the connection has no encryption key). */
  decrypt?: (xml: string) => Promise<string>;
}

function validated(validator: XmlValidator, xml: string) {
  try {
    validator.validate(xml, 'protocol');
  } catch (err) {
    if (err instanceof FederationError) throw err;
    throw refuse('schema', (err as Error).message);
  }
  const doc = parseXml(xml);
  const response = doc.documentElement!;
  if (response.namespaceURI !== P_NS || response.localName !== 'Response') throw refuse('shape', 'the message is not a SAML Response');
  if (elements(doc, P_NS, 'Response').length !== 1) throw refuse('shape', 'the document holds more than one Response');
  return { doc, response };
}

function checkStatus(response: Element) {
  const status = child(response, P_NS, 'Status');
  const code = status && child(status, P_NS, 'StatusCode');
  const value = code?.getAttribute('Value');
  if (value === SUCCESS) return;
  const inner = code && child(code, P_NS, 'StatusCode')?.getAttribute('Value');
  const message = status && child(status, P_NS, 'StatusMessage')?.textContent;
  throw fail('idp_error', `${value ?? 'no status'}${inner ? ` / ${inner}` : ''}${message ? `: ${message}` : ''}`);
}

function checkEncryption(encrypted: Element) {
  const methods = (ns: string, parent: string) =>
    elements(encrypted, XENC_NS, parent).map((el) => child(el, ns, 'EncryptionMethod')?.getAttribute('Algorithm') ?? '');
  const data = methods(XENC_NS, 'EncryptedData');
  const keys = methods(XENC_NS, 'EncryptedKey');
  if (data.length !== 1 || !BLOCK_CIPHERS.includes(data[0]))
    throw refuse('algorithm', `content encryption ${data.join(', ') || '(none)'} is not accepted`);
  const badKey = keys.find((k) => !KEY_TRANSPORT.includes(k));
  if (!keys.length || badKey !== undefined)
    throw refuse('algorithm', `key transport ${badKey || '(none)'} is not accepted (rsa-1_5 is always refused)`);
}

/** Shape, unique IDs, signatures of a plaintext (or decrypted) Response. */
function inspect(xml: string, doc: Document, response: Element, opts: VerifyOptions, responseSignatureVerified: boolean): VerifiedResponse {
  if (elements(doc, A_NS, 'EncryptedAssertion').length || elements(doc, XENC_NS, 'EncryptedData').length)
    throw refuse('shape', 'an encrypted assertion remains');
  const assertions = elements(doc, A_NS, 'Assertion');
  if (assertions.length !== 1) throw refuse('shape', `the response holds ${assertions.length} assertions (exactly one expected)`);
  const [assertion] = assertions;
  if (assertion.parentNode !== response) throw refuse('shape', 'the assertion is not a child of the response');

  const signatures = elements(doc, DS_NS, 'Signature');
  if (signatures.some((s) => s.parentNode !== response && s.parentNode !== assertion))
    throw refuse('shape', 'a signature is in an unexpected place');
  const responseSignatures = signatures.filter((s) => s.parentNode === response);
  const assertionSignatures = signatures.filter((s) => s.parentNode === assertion);
  if (responseSignatures.length > 1 || assertionSignatures.length > 1) throw refuse('shape', 'more than one signature on one element');

  const ids = new Set<string>();
  for (const el of elements(doc, '*', '*')) {
    for (const name of ['ID', 'Id', 'id']) {
      const value = el.getAttribute(name);
      if (!value) continue;
      if (ids.has(value)) throw refuse('shape', `the ID ${value} appears twice`);
      ids.add(value);
    }
  }

  const assertionId = assertion.getAttribute('ID') ?? '';
  if (!assertionSignatures.length) throw refuse('signature', 'the assertion is not signed');
  const signedAssertion = verifySignature(xml, assertionSignatures[0], assertionId, opts.certificates, opts.allowSha1, 'assertion');
  if (responseSignatures.length && !responseSignatureVerified) {
    verifySignature(xml, responseSignatures[0], response.getAttribute('ID') ?? '', opts.certificates, opts.allowSha1, 'response');
  }
  return { response, signedAssertion, assertionId };
}

/** Decodes, validates, decrypts when needed, checks the shape and the signatures of a SAMLResponse. */
export async function verifyResponse(validator: XmlValidator, encoded: string, opts: VerifyOptions): Promise<VerifiedResponse> {
  if (!/^[A-Za-z0-9+/=\s]+$/.test(encoded) || encoded.length > Math.ceil(opts.maxBytes / 3) * 4 + 1024)
    throw refuse('encoding', 'the SAMLResponse is not base64 of an acceptable size');
  const xml = Buffer.from(encoded, 'base64').toString('utf8');
  const { doc, response } = validated(validator, xml);
  checkStatus(response);

  const encrypted = elements(doc, A_NS, 'EncryptedAssertion');
  if (!encrypted.length) return inspect(xml, doc, response, opts, false);
  if (!opts.decrypt) throw refuse('shape', 'encrypted assertions are not accepted (this connection has no encryption key)');
  if (encrypted.length !== 1 || encrypted[0].parentNode !== response || elements(doc, A_NS, 'Assertion').length) {
    throw refuse('shape', 'exactly one encrypted assertion, a child of the response, is accepted');
  }
  checkEncryption(encrypted[0]);
  // A Response signature covers the encrypted form: it is checked before decryption.
  const signatures = elements(doc, DS_NS, 'Signature').filter((s) => !isInside(s, encrypted[0]));
  if (signatures.some((s) => s.parentNode !== response) || signatures.length > 1)
    throw refuse('shape', 'a signature is in an unexpected place');
  if (signatures.length)
    verifySignature(xml, signatures[0], response.getAttribute('ID') ?? '', opts.certificates, opts.allowSha1, 'response');
  let plain: string;
  try {
    plain = await opts.decrypt(xml);
  } catch (err) {
    throw refuse('decryption', `the encrypted assertion could not be decrypted with this connection's key (${(err as Error).message})`);
  }
  const again = validated(validator, plain);
  return inspect(plain, again.doc, again.response, opts, signatures.length > 0);
}

function isInside(node: Node, ancestor: Node) {
  for (let n: Node | null = node.parentNode; n; n = n.parentNode) if (n === ancestor) return true;
  return false;
}
