/**
 * Reading SAML XML as a DOM (@xmldom/xmldom), by namespace and local name, walking only the
 * children asked for: no XPath (each XPath expression is parsed on every call, which measured as
 * most of the cost of reading a small message).
 */
import { DOMParser } from '@xmldom/xmldom';

export const NS = {
  protocol: 'urn:oasis:names:tc:SAML:2.0:protocol',
  assertion: 'urn:oasis:names:tc:SAML:2.0:assertion',
  metadata: 'urn:oasis:names:tc:SAML:2.0:metadata',
  dsig: 'http://www.w3.org/2000/09/xmldsig#',
  xenc: 'http://www.w3.org/2001/04/xmlenc#',
} as const;

/** The element children of `el` named `name` in namespace `ns`. */
export const childElements = (el: Element, ns: string, name: string): Element[] =>
  Array.from(el.childNodes).filter(
    (n): n is Element => n.nodeType === 1 && (n as Element).namespaceURI === ns && (n as Element).localName === name,
  );

/** The first element child of `el` named `name` in namespace `ns`. */
export const childElement = (el: Element, ns: string, name: string): Element | undefined =>
  Array.from(el.childNodes).find(
    (n): n is Element => n.nodeType === 1 && (n as Element).namespaceURI === ns && (n as Element).localName === name,
  );

/** The elements at the end of `path` (each step a child, [namespace, local name]) below `el`. */
export const pathElements = (el: Element, path: Array<readonly [string, string]>): Element[] =>
  path.reduce<Element[]>((found, [ns, name]) => found.flatMap((e) => childElements(e, ns, name)), [el]);

/** An attribute's value, or undefined when the element does not carry it. */
export const attribute = (el: Element | undefined, name: string): string | undefined =>
  el?.hasAttribute(name) ? (el.getAttribute(name) ?? undefined) : undefined;

/** Parses `xml`; `onError` receives the first parse error (the document is then not to be trusted). */
export function parseDom(xml: string, onError: (message: string) => never): Document {
  let broken = '';
  const doc = new DOMParser({
    errorHandler: {
      error: (m: string) => {
        broken ||= m;
      },
      fatalError: (m: string) => {
        broken ||= m;
      },
    },
  }).parseFromString(xml, 'text/xml');
  if (broken || !doc?.documentElement) onError(broken || 'not XML');
  return doc;
}
