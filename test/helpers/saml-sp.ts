/**
 * A SAML service provider written elsewhere (@node-saml/node-saml) for end-to-end tests: its own key
 * and certificate, metadata registered at Wayfinder, AuthnRequests over Redirect or POST, and strict
 * validation of Wayfinder's responses (signatures against the certificates in Wayfinder's metadata,
 * audience, InResponseTo, issuer). Plus readers for the auto-submitted forms Wayfinder sends back.
 */
import { SAML, ValidateInResponseTo, type SamlConfig } from '@node-saml/node-saml';
import { InMemoryCacheProvider } from '@node-saml/node-saml/lib/in-memory-cache-provider.js';
import { generateCertificate } from '../../src/saml/certificates.js';
import type { SpSettings } from '../../src/saml/settings.js';
import type { PageClient } from './browser.js';
import type { TestServer } from './server.js';

export const PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';
let keyPair: Promise<{ privateKey: string; certificate: string }> | undefined;
/** One SP key for the whole test file (RSA generation is slow); each SP still has its own entity ID. */
export const spKeys = () => (keyPair ??= generateCertificate('sp.example.test'));

/** The certificates Wayfinder publishes in its metadata (PEM bodies). */
export async function idpCertificates(server: TestServer): Promise<string[]> {
  const xml = await (await fetch(`${server.url}/saml/metadata`)).text();
  return [...xml.matchAll(/<(?:ds:)?X509Certificate>([^<]+)<\/(?:ds:)?X509Certificate>/g)].map((m) => m[1].replace(/\s+/g, ''));
}

export interface TestSp {
  /** Redirect-binding requests (deflated) and every validation. */
  saml: SAML;
  /** HTTP-POST binding requests (not deflated); shares the request-ID cache with `saml`. */
  post: SAML;
  entityId: string;
  acsUrl: string;
  sloUrl: string;
  id: string;
  metadata: string;
}

export async function addSp(
  server: TestServer,
  name: string,
  opts: {
    settings?: Partial<SpSettings>;
    signRequests?: boolean;
    encrypt?: boolean;
    baseUrl?: string;
    config?: Partial<SamlConfig>;
    /** Also declare an HTTP-Redirect SingleLogoutService (node-saml's metadata lists only HTTP-POST). */
    sloRedirect?: boolean;
    /** Registers the metadata some other way (the admin API); returns the SP id. Default: the registry. */
    register?: (metadata: string) => Promise<string>;
  } = {},
): Promise<TestSp> {
  const keys = await spKeys();
  const base = opts.baseUrl ?? `https://${name}.example.test`;
  const entityId = `${base}/metadata`;
  const config: SamlConfig = {
    entryPoint: `${server.url}/saml/sso`,
    logoutUrl: `${server.url}/saml/slo`,
    issuer: entityId,
    callbackUrl: `${base}/acs`,
    logoutCallbackUrl: `${base}/slo`,
    idpIssuer: `${server.url}/saml/metadata`,
    audience: entityId,
    idpCert: await idpCertificates(server),
    identifierFormat: PERSISTENT,
    wantAssertionsSigned: true,
    wantAuthnResponseSigned: true,
    signatureAlgorithm: 'sha256',
    digestAlgorithm: 'sha256',
    validateInResponseTo: ValidateInResponseTo.always,
    acceptedClockSkewMs: 5000,
    disableRequestedAuthnContext: true,
    cacheProvider: new InMemoryCacheProvider({}),
    ...(opts.signRequests === false ? {} : { privateKey: keys.privateKey }),
    ...(opts.encrypt ? { decryptionPvk: keys.privateKey } : {}),
    ...opts.config,
  };
  const saml = new SAML(config);
  const post = new SAML({ ...config, skipRequestCompression: true });
  let metadata = saml.generateServiceProviderMetadata(opts.encrypt ? keys.certificate : null, keys.certificate);
  if (opts.sloRedirect) {
    metadata = metadata.replace(
      '<SingleLogoutService ',
      `<SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${base}/slo"/>\n    <SingleLogoutService `,
    );
  }
  const id = opts.register
    ? await opts.register(metadata)
    : (await server.features.saml.registry.register(metadata, { ...opts.settings, ...(opts.encrypt ? { encrypt_assertion: true } : {}) }))
        .id;
  return { saml, post, entityId, acsUrl: `${base}/acs`, sloUrl: `${base}/slo`, id, metadata };
}

const unescape = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** The auto-submitted form on the current page: where it posts and what. */
export function postedForm(page: PageClient): { action: string; fields: Record<string, string> } {
  const body = page.last.body;
  const form = /<form id="saml-post" method="post" action="([^"]*)">([\s\S]*?)<\/form>/.exec(body);
  if (!form) throw new Error(`no SAML form on the page at ${page.last.url} (status ${page.last.status}): ${body.slice(0, 400)}`);
  const fields: Record<string, string> = {};
  for (const m of form[2].matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[m[1]] = unescape(m[2]);
  return { action: unescape(form[1]), fields };
}

/** The decoded XML of the SAMLResponse (or SAMLRequest) on the current page. */
export function postedXml(page: PageClient): string {
  const { fields } = postedForm(page);
  return Buffer.from(fields.SAMLResponse ?? fields.SAMLRequest, 'base64').toString('utf8');
}
