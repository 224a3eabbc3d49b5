/**
 * Reading a SAML message off the wire, before samlify or anything else trusts it. Rules:
 * - HTTP-Redirect: the message is inflated with an output cap (a deflate bomb stops at
 *   `maxBytes`), and the signed octet string is rebuilt from the query exactly as it was sent;
 * - HTTP-POST: the base64 must decode to at most `maxBytes`;
 * - RelayState is at most 1024 bytes;
 * - the XML passes the validator (size, encoding, no DTD or entity, schema) before it is read;
 * - signature and digest algorithms come from an allowlist; SHA-1 only for an SP that opted in
 *   (checked again once the SP is known, see `checkAlgorithms`).
 */
import { inflateRawSync } from 'node:zlib';
import type { Context } from 'koa';
import { SHA1, DIGEST_ALGORITHMS, SIGNATURE_ALGORITHMS } from './lib.js';
import { attribute, NS, parseDom, pathElements } from './dom.js';
import { SamlRefused } from './errors.js';
import { rootName, type XmlValidator } from './validator.js';
import { z } from 'zod';
import { bodyOf } from '../http/input.js';

/** A SAML HTTP-POST binding's fields; a field that is not text counts as absent. */
const field = z
  .unknown()
  .optional()
  .transform((v) => (typeof v === 'string' ? v : undefined));
const samlPost = z.object({ SAMLRequest: field, SAMLResponse: field, RelayState: field });

export type Binding = 'redirect' | 'post';
export type MessageKind = 'AuthnRequest' | 'LogoutRequest' | 'LogoutResponse';

export interface Inbound {
  binding: Binding;
  kind: MessageKind;
  xml: string;
  relayState?: string;
  /** The request shape samlify's parse* functions take. */
  envelope: { query?: Record<string, string>; body?: Record<string, string>; octetString?: string };
  signed: boolean;
  issuer: string;
  id: string;
  issueInstant: string;
  destination?: string;
  algorithms: { signature: string[]; digest: string[] };
  /** What the message says, read from the same bytes samlify verifies (root attributes and children). */
  fields: {
    forceAuthn: boolean;
    isPassive: boolean;
    protocolBinding?: string;
    acsUrl?: string;
    acsIndex?: string;
    nameIdPolicy?: string;
    nameId?: string;
    sessionIndexes: string[];
    inResponseTo?: string;
    status?: string;
  };
}

const MAX_RELAY_STATE = 1024;
const BASE64 = /^[A-Za-z0-9+/=\s]*$/;

function decodeBase64(text: string, maxBytes: number): Buffer {
  if (!BASE64.test(text)) throw new SamlRefused('saml_malformed', 'the message is not base64');
  if (text.length > Math.ceil((maxBytes * 4) / 3) + 1024) throw new SamlRefused('saml_too_large', `more than ${maxBytes} bytes`);
  return Buffer.from(text, 'base64');
}

/** The raw (still URL-encoded) value of each query parameter, first occurrence wins. */
function rawQuery(querystring: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const pair of querystring.split('&')) {
    const eq = pair.indexOf('=');
    const key = eq < 0 ? pair : pair.slice(0, eq);
    if (key && !out.has(key)) out.set(key, eq < 0 ? '' : pair.slice(eq + 1));
  }
  return out;
}

/** Percent-decoding; a '+' is a space only in RelayState (base64 values never hold a space). */
function urlDecode(raw: string, plusIsSpace = false) {
  try {
    return decodeURIComponent(plusIsSpace ? raw.replace(/\+/g, '%20') : raw);
  } catch {
    throw new SamlRefused('saml_malformed', 'bad URL encoding');
  }
}

function fromRedirect(ctx: Context, maxBytes: number) {
  const raw = rawQuery(ctx.querystring);
  const param = raw.has('SAMLRequest') ? 'SAMLRequest' : raw.has('SAMLResponse') ? 'SAMLResponse' : undefined;
  if (!param) throw new SamlRefused('saml_malformed', 'no SAMLRequest or SAMLResponse');
  const message = urlDecode(raw.get(param)!);
  let xml: Buffer;
  try {
    xml = inflateRawSync(decodeBase64(message, maxBytes), { maxOutputLength: maxBytes });
  } catch (e) {
    if (e instanceof SamlRefused) throw e;
    throw (e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE'
      ? new SamlRefused('saml_too_large', `inflates to more than ${maxBytes} bytes`)
      : new SamlRefused('saml_malformed', 'not a deflated message');
  }
  const octet = [`${param}=${raw.get(param)}`];
  for (const key of ['RelayState', 'SigAlg']) if (raw.has(key)) octet.push(`${key}=${raw.get(key)}`);
  const query: Record<string, string> = { [param]: message };
  for (const key of ['RelayState', 'SigAlg', 'Signature']) if (raw.has(key)) query[key] = urlDecode(raw.get(key)!, key === 'RelayState');
  return {
    xml,
    relayState: query.RelayState,
    envelope: { query, octetString: octet.join('&') },
    sigAlg: query.SigAlg,
    hasSignature: raw.has('Signature'),
  };
}

function fromPost(ctx: Context, maxBytes: number) {
  const body = bodyOf(ctx, samlPost);
  const param = body.SAMLRequest !== undefined ? 'SAMLRequest' : body.SAMLResponse !== undefined ? 'SAMLResponse' : undefined;
  if (!param) throw new SamlRefused('saml_malformed', 'no SAMLRequest or SAMLResponse');
  const message = body[param]!;
  const xml = decodeBase64(message, maxBytes);
  const relayState = body.RelayState;
  return {
    xml,
    relayState,
    envelope: { body: { [param]: message, ...(relayState !== undefined ? { RelayState: relayState } : {}) } },
    sigAlg: undefined,
    hasSignature: false,
  };
}

export function readMessage(ctx: Context, binding: Binding, validator: XmlValidator, maxBytes: number): Inbound {
  const raw = binding === 'redirect' ? fromRedirect(ctx, maxBytes) : fromPost(ctx, maxBytes);
  if (raw.relayState !== undefined && Buffer.byteLength(raw.relayState) > MAX_RELAY_STATE)
    throw new SamlRefused('saml_too_large', 'RelayState is longer than 1024 bytes');
  validator.validate(raw.xml, 'protocol');
  const xml = raw.xml.toString('utf8');
  const kind = rootName(xml) as MessageKind;
  if (!['AuthnRequest', 'LogoutRequest', 'LogoutResponse'].includes(kind))
    throw new SamlRefused('saml_malformed', 'not a message Wayfinder accepts here');
  // Everything read from the message, in one parse: root attributes and the root's direct children
  // only — what a whole-message signature (checked below to reference the root) covers. The XML is
  // schema-valid by now, so each name sits in its namespace.
  const root = parseDom(xml, (problem) => {
    throw new SamlRefused('saml_malformed', problem);
  }).documentElement as unknown as Element;
  if (root.namespaceURI !== NS.protocol || root.localName !== kind)
    throw new SamlRefused('saml_malformed', 'not a message Wayfinder accepts here');
  const texts = (path: Array<readonly [string, string]>) => pathElements(root, path).map((e) => e.textContent ?? '');
  const values = (path: Array<readonly [string, string]>, name: string) =>
    pathElements(root, path).flatMap((e) => attribute(e, name) ?? []);
  const signatureInfo = [
    [NS.dsig, 'Signature'],
    [NS.dsig, 'SignedInfo'],
  ] as const;
  const embedded = values([...signatureInfo, [NS.dsig, 'SignatureMethod']], 'Algorithm');
  const issuer = texts([[NS.assertion, 'Issuer']])[0]?.trim();
  if (!issuer) throw new SamlRefused('saml_malformed', 'the message has no Issuer');
  if (raw.hasSignature && embedded.length) throw new SamlRefused('saml_malformed', 'signed twice (query and XML)');
  const id = attribute(root, 'ID') ?? '';
  // An embedded signature must cover the whole message: one reference, to the root element.
  const references = values([...signatureInfo, [NS.dsig, 'Reference']], 'URI');
  if (embedded.length && (embedded.length !== 1 || references.length !== 1 || references[0] !== `#${id}`)) {
    throw new SamlRefused('saml_bad_signature', 'the signature does not cover the message itself');
  }
  const flag = (name: string) => ['true', '1'].includes(attribute(root, name) ?? '');
  return {
    binding,
    kind,
    xml,
    relayState: raw.relayState,
    envelope: raw.envelope,
    signed: raw.hasSignature || embedded.length > 0,
    issuer,
    id,
    issueInstant: attribute(root, 'IssueInstant') ?? '',
    destination: attribute(root, 'Destination'),
    algorithms: {
      signature: raw.sigAlg ? [raw.sigAlg] : embedded,
      digest: values([...signatureInfo, [NS.dsig, 'Reference'], [NS.dsig, 'DigestMethod']], 'Algorithm'),
    },
    fields: {
      forceAuthn: flag('ForceAuthn'),
      isPassive: flag('IsPassive'),
      protocolBinding: attribute(root, 'ProtocolBinding'),
      acsUrl: attribute(root, 'AssertionConsumerServiceURL'),
      acsIndex: attribute(root, 'AssertionConsumerServiceIndex'),
      nameIdPolicy: values([[NS.protocol, 'NameIDPolicy']], 'Format')[0],
      nameId: texts([[NS.assertion, 'NameID']])[0]?.trim(),
      sessionIndexes: texts([[NS.protocol, 'SessionIndex']]).map((v) => v.trim()),
      inResponseTo: attribute(root, 'InResponseTo'),
      status: values(
        [
          [NS.protocol, 'Status'],
          [NS.protocol, 'StatusCode'],
        ],
        'Value',
      )[0],
    },
  };
}

/** Refuses signature or digest algorithms outside the allowlist (SHA-1 only when `allowSha1`). */
export function checkAlgorithms(msg: Inbound, allowSha1: boolean, spId?: string) {
  const signatures = allowSha1 ? [...SIGNATURE_ALGORITHMS, SHA1.signature] : SIGNATURE_ALGORITHMS;
  const digests = allowSha1 ? [...DIGEST_ALGORITHMS, SHA1.digest] : DIGEST_ALGORITHMS;
  const bad = [
    ...msg.algorithms.signature.filter((a) => !signatures.includes(a)),
    ...msg.algorithms.digest.filter((a) => !digests.includes(a)),
  ];
  if (bad.length) throw new SamlRefused('saml_algorithm', bad.join(', '), spId);
}
