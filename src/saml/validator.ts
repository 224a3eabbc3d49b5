/**
 * Schema validation of every SAML message and metadata document Wayfinder reads (samlify refuses to
 * run without one). Rules, in order, each refusing with a typed XmlRejected:
 * - larger than the limit → `too_large`, before anything else;
 * - not UTF-8 (or US-ASCII), a NUL byte, or a declared encoding other than those → `encoding`
 *   (so a UTF-16 document cannot hide a DOCTYPE from the next check);
 * - any markup declaration — `<!DOCTYPE`, `<!ENTITY`, `<!ELEMENT`, `<!ATTLIST`, `<!NOTATION` — →
 *   `dtd`, before parsing at all: no DTD, no entity expansion, no external entity ever reaches libxml2;
 * - parsed by libxml2 with network access off and neither DTD loading nor entity substitution →
 *   `malformed` when it is not well-formed;
 * - the root element must be one we expect (protocol messages, or an EntityDescriptor for
 *   metadata) and the whole document valid against the SAML 2.0 XSDs in ./schemas → `invalid`.
 *
 * libxml2 is reached through libxmljs's generated bindings rather than its `parseXml`/`validate`
 * helpers, measured: `validate()` recompiles the schema on every call (4–10 ms), and `parseXml` of a
 * string copies the text into memory it never frees (a leak the size of every message). Here the
 * schemas are compiled once, the message is handed over as a Buffer (no copy), and the document is
 * freed by the garbage collector. libxmljs is loaded, and the schemas compiled, on the first
 * validation (src/lib/lazy-module.ts).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Bindings from 'libxmljs/dist/lib/bindings/functions.js';
import { lazyModule } from '../lib/lazy-module.js';

export type XmlRejection = 'too_large' | 'encoding' | 'dtd' | 'malformed' | 'invalid';

export class XmlRejected extends Error {
  constructor(
    readonly reason: XmlRejection,
    message: string,
  ) {
    super(message);
  }
}

export type DocumentKind = 'protocol' | 'metadata';

const SCHEMA_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'schemas');
const libxml = lazyModule<typeof Bindings>('libxmljs/dist/lib/bindings/functions.js');
/** XML_PARSE_NONET of libxml2's xmlParserOption: never fetch anything over the network. */
const NONET = 1 << 11;
const ROOTS: Record<DocumentKind, string[]> = {
  protocol: ['AuthnRequest', 'Response', 'LogoutRequest', 'LogoutResponse'],
  metadata: ['EntityDescriptor'],
};
const FILES: Record<DocumentKind, string> = { protocol: 'saml-schema-protocol-2.0.xsd', metadata: 'saml-schema-metadata-2.0.xsd' };

const utf8 = new TextDecoder('utf-8', { fatal: true });
// `<!` may only open a comment or a CDATA section; anything else is a markup declaration.
const DECLARATION = /<!(?!--|\[CDATA\[)/;
const ENCODING = /^\s*<\?xml[^>]*\bencoding\s*=\s*["']([^"']*)["']/;
// The first element's local name, after the XML declaration, processing instructions and comments.
const ROOT = /^\uFEFF?(?:\s|<\?[\s\S]*?\?>|<!--[\s\S]*?-->)*<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)[\s/>]/;

/** The local name of the document's first element (the text is known to hold no DTD). */
export const rootName = (text: string) => ROOT.exec(text)?.[1];

/** The cheap checks that run before any parser sees the bytes. Returns the text. */
export function precheck(input: string | Buffer, maxBytes: number): { text: string; bytes: Buffer } {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  if (bytes.length > maxBytes) throw new XmlRejected('too_large', `the XML is ${bytes.length} bytes, more than ${maxBytes}`);
  let text: string;
  try {
    text = typeof input === 'string' ? input : utf8.decode(bytes);
  } catch {
    throw new XmlRejected('encoding', 'the XML is not UTF-8');
  }
  if (text.includes('\u0000')) throw new XmlRejected('encoding', 'the XML contains a NUL character');
  const declared = ENCODING.exec(text.replace(/^\uFEFF/, ''))?.[1]?.toLowerCase();
  if (declared && !['utf-8', 'utf8', 'us-ascii'].includes(declared))
    throw new XmlRejected('encoding', `the XML declares the encoding ${declared}`);
  if (DECLARATION.test(text)) throw new XmlRejected('dtd', 'the XML contains a DTD or entity declaration');
  return { text, bytes };
}

function compile(kind: DocumentKind) {
  const lx = libxml();
  const file = path.join(SCHEMA_DIR, FILES[kind]);
  // Our own trusted files: parsed with their folder as base so imports resolve, never over the network.
  const bytes = readFileSync(file);
  const doc = lx.xmlReadMemory(bytes, bytes.length, `${SCHEMA_DIR}/`, null, NONET);
  if (!doc) throw new Error(`could not parse ${file}`);
  const parserCtxt = lx.xmlSchemaNewDocParserCtxt(doc);
  const schema = lx.xmlSchemaParse(parserCtxt);
  lx.xmlSchemaFreeParserCtxt(parserCtxt);
  if (!schema) throw new Error(`could not compile ${file}`);
  return { doc, schema };
}

export interface XmlValidator {
  /** Throws XmlRejected unless `xml` is a safe, schema-valid document of that kind. */
  validate(xml: string | Buffer, kind: DocumentKind): void;
}

export function createXmlValidator(maxBytes: number): XmlValidator {
  const schemas: Partial<Record<DocumentKind, ReturnType<typeof compile>>> = {};
  const schemaOf = (kind: DocumentKind) => (schemas[kind] ??= compile(kind));

  return {
    validate(xml, kind) {
      const { bytes, text } = precheck(xml, maxBytes);
      const lx = libxml();
      lx.xmlResetLastError();
      const outcome = lx.withStructuredErrors<{ ok: boolean; reason?: XmlRejection; message?: string }>(
        (errors: Array<{ message: string }>) => {
          const doc = lx.xmlReadMemory(bytes, bytes.length, null, null, NONET);
          if (!doc) return { ok: false, reason: 'malformed', message: errors[0]?.message?.trim() ?? 'not well-formed XML' };
          // The root's local name is checked (from the text) and its namespace by the schema: no element
          // of these names is declared in another namespace of the schema set. libxml2's node structs are
          // never read from JavaScript: libxmljs's wrappers of them (namespace nodes in particular)
          // can crash the garbage collector (a V8 allocation inside a weak callback).
          const name = rootName(text);
          if (!name || !ROOTS[kind].includes(name))
            return { ok: false, reason: 'invalid', message: `unexpected root element ${name ?? '(none)'}` };
          const ctxt = lx.xmlSchemaNewValidCtxt(schemaOf(kind).schema);
          const valid = lx.xmlSchemaValidateDoc(ctxt, doc) === 0;
          lx.xmlSchemaFreeValidCtxt(ctxt);
          return valid
            ? { ok: true }
            : { ok: false, reason: 'invalid', message: errors[0]?.message?.trim() ?? 'not valid against the SAML schema' };
        },
      );
      if (!outcome.ok) throw new XmlRejected(outcome.reason!, outcome.message!);
    },
  };
}
