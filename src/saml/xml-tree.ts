/**
 * The XML Wayfinder writes (SAML responses), as a small tree with two renderings:
 * - `render`: the document text sent to the SP;
 * - `canonical`: its Exclusive XML Canonicalization (xml-exc-c14n, no inclusive prefixes), what an
 *   enveloped signature digests and signs.
 * Having both from one tree lets `signEnveloped` sign without parsing XML back (a DOM parse, XPath
 * and a JavaScript canonicalizer per signature were most of the cost of a response).
 * Rules of the canonical form (W3C xml-exc-c14n / c14n 1.0): a namespace is declared on an element
 * only where its prefix is visibly used (element or attribute name) and the nearest rendered
 * ancestor did not declare it; declarations sorted by prefix, then attributes without namespace by
 * name, then namespaced attributes by (namespace URI, name); no empty-element tags; text escapes
 * & < > and CR, attribute values & < " TAB LF CR. Characters XML 1.0 forbids are dropped from every
 * value before either rendering, so both see the same values.
 */
import { createHash, createSign, type KeyObject } from 'node:crypto';

export const PREFIXES: Record<string, string> = {
  samlp: 'urn:oasis:names:tc:SAML:2.0:protocol',
  saml: 'urn:oasis:names:tc:SAML:2.0:assertion',
  ds: 'http://www.w3.org/2000/09/xmldsig#',
  xs: 'http://www.w3.org/2001/XMLSchema',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
};

export interface XmlElement {
  /** Qualified name, prefix from PREFIXES. */
  name: string;
  /** Prefixes declared on this element in the document (the canonical form declares where used). */
  declare?: string[];
  /** Attributes in document order; an undefined value is left out. */
  attrs?: Array<[string, string | undefined]>;
  children?: Array<XmlElement | string>;
}

const FORBIDDEN = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
/** A value as XML can carry it: characters XML 1.0 forbids are dropped. */
export const clean = (value: string) => value.replace(FORBIDDEN, '');

const DOC_TEXT: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#xD;' };
const DOC_ATTR: Record<string, string> = { ...DOC_TEXT, '\t': '&#x9;', '\n': '&#xA;' };
const C14N_TEXT: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#xD;' };
const C14N_ATTR: Record<string, string> = { '&': '&amp;', '<': '&lt;', '"': '&quot;', '\t': '&#x9;', '\n': '&#xA;', '\r': '&#xD;' };
// Values are cleaned when the tree is made (el/text below); the renderings only escape.
const docText = (v: string) => v.replace(/[&<>"'\r]/g, (c) => DOC_TEXT[c]);
const docAttr = (v: string) => v.replace(/[&<>"'\t\n\r]/g, (c) => DOC_ATTR[c]);
const c14nText = (v: string) => v.replace(/[&<>\r]/g, (c) => C14N_TEXT[c]);
const c14nAttr = (v: string) => v.replace(/[&<"\t\n\r]/g, (c) => C14N_ATTR[c]);

/** A value escaped for the document, in element content or an attribute (forbidden characters dropped). */
export const esc = (value: string) => docAttr(clean(value));

/** An element; attribute values and text children are cleaned here. */
export function el(
  name: string,
  attrs: Array<[string, string | undefined]> = [],
  children: Array<XmlElement | string> = [],
  declare?: string[],
): XmlElement {
  return {
    name,
    declare,
    attrs: attrs.filter((a): a is [string, string] => a[1] !== undefined).map(([k, v]) => [k, clean(v)]),
    children: children.map((c) => (typeof c === 'string' ? clean(c) : c)),
  };
}

const prefixOf = (qname: string) => (qname.includes(':') ? qname.slice(0, qname.indexOf(':')) : '');
const localOf = (qname: string) => qname.slice(qname.indexOf(':') + 1);

/** The document text. */
export function render(e: XmlElement): string {
  const decls = (e.declare ?? []).map((p) => ` xmlns:${p}="${PREFIXES[p]}"`).join('');
  const attrs = (e.attrs ?? []).map(([k, v]) => ` ${k}="${docAttr(v!)}"`).join('');
  const kids = e.children ?? [];
  if (!kids.length) return `<${e.name}${decls}${attrs}/>`;
  return `<${e.name}${decls}${attrs}>${kids.map((c) => (typeof c === 'string' ? docText(c) : render(c))).join('')}</${e.name}>`;
}

/** The exclusive canonical form of `e`, as the apex of the output when `rendered` is empty. */
export function canonical(e: XmlElement, rendered: ReadonlyMap<string, string> = new Map()): string {
  const attrs = (e.attrs ?? []) as Array<[string, string]>;
  const used = new Set([prefixOf(e.name), ...attrs.map(([k]) => prefixOf(k))].filter(Boolean));
  const own = [...used].filter((p) => rendered.get(p) !== PREFIXES[p]).sort();
  const scope = own.length ? new Map([...rendered, ...own.map((p) => [p, PREFIXES[p]] as [string, string])]) : rendered;
  const sorted = [...attrs].sort(([a], [b]) => {
    const [na, nb] = [prefixOf(a) ? PREFIXES[prefixOf(a)] : '', prefixOf(b) ? PREFIXES[prefixOf(b)] : ''];
    if (na !== nb) return na < nb ? -1 : 1;
    const [la, lb] = [localOf(a), localOf(b)];
    return la < lb ? -1 : la > lb ? 1 : 0;
  });
  const head = own.map((p) => ` xmlns:${p}="${PREFIXES[p]}"`).join('') + sorted.map(([k, v]) => ` ${k}="${c14nAttr(v)}"`).join('');
  const kids = (e.children ?? []).map((c) => (typeof c === 'string' ? c14nText(c) : canonical(c, scope))).join('');
  return `<${e.name}${head}>${kids}</${e.name}>`;
}

const ALG = {
  c14n: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  enveloped: 'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
  rsaSha256: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  sha256: 'http://www.w3.org/2001/04/xmlenc#sha256',
};

/**
 * Signs `target` (which has an `ID`) with an enveloped RSA-SHA256 signature over its exclusive
 * canonical form, and inserts the ds:Signature right after its first child (the Issuer), as SAML
 * requires. `certificate` is the base64 body of the signing certificate. The digest is taken before
 * the signature is inserted: what the enveloped-signature transform gives a verifier back.
 */
export function signEnveloped(target: XmlElement, key: KeyObject, certificate: string) {
  const id = target.attrs?.find(([k]) => k === 'ID')?.[1];
  if (!id) throw new Error('the element to sign has no ID');
  const digest = createHash('sha256').update(canonical(target)).digest('base64');
  const signedInfo = el(
    'ds:SignedInfo',
    [],
    [
      el('ds:CanonicalizationMethod', [['Algorithm', ALG.c14n]]),
      el('ds:SignatureMethod', [['Algorithm', ALG.rsaSha256]]),
      el(
        'ds:Reference',
        [['URI', `#${id}`]],
        [
          el('ds:Transforms', [], [el('ds:Transform', [['Algorithm', ALG.enveloped]]), el('ds:Transform', [['Algorithm', ALG.c14n]])]),
          el('ds:DigestMethod', [['Algorithm', ALG.sha256]]),
          el('ds:DigestValue', [], [digest]),
        ],
      ),
    ],
  );
  const value = createSign('RSA-SHA256').update(canonical(signedInfo)).sign(key, 'base64');
  const signature = el(
    'ds:Signature',
    [],
    [
      signedInfo,
      el('ds:SignatureValue', [], [value]),
      el('ds:KeyInfo', [], [el('ds:X509Data', [], [el('ds:X509Certificate', [], [certificate])])]),
    ],
    ['ds'],
  );
  target.children!.splice(1, 0, signature);
  return signature;
}
