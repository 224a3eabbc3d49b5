/**
 * SAML 2.0 connector (Wayfinder as the service provider; src/saml/sp/ builds the AuthnRequest and our
 * SP metadata and verifies what comes back (response.ts, assertion.ts)). Rules:
 * - the IdP is known only from the connection's metadata (imported XML, or the last good copy
 *   fetched from its URL); a connection without usable metadata cannot start a sign-in;
 * - the AuthnRequest (HTTP-Redirect) asks for a persistent NameID by default, names our ACS and
 *   carries the sign-in's state as RelayState; its ID is remembered for InResponseTo;
 * - each connection has an encryption key pair of its own (sealed at rest), published in its SP
 *   metadata: an IdP may encrypt assertions to it (samlify decrypts, after our algorithm checks);
 * - the answer (HTTP-POST) must pass every check of saml-response.ts and saml-assertion.ts, and its
 *   assertion ID must not have been seen before (remembered until the assertion expires);
 * - an unsolicited response (no matching RelayState) is refused unless the connection allows it;
 * - the subject is the stable-ID attribute when one is configured, else the NameID, which must then
 *   be of the requested format (a transient NameID is never a subject);
 * - MFA happened when the AuthnContextClassRef (or Entra ID's authnmethodsreferences attribute) is
 *   one of the connection's MFA contexts.
 */
import { z } from 'zod';
import { generateCertificate } from '../saml/certificates.js';
import { readAssertion } from '../saml/sp/assertion.js';
import { decryptAssertion, idpEntity, MetadataProblem, NAMEID_FORMATS, parseIdpMetadata, spEntity } from '../saml/sp/metadata.js';
import { verifyResponse } from '../saml/sp/response.js';
import { fail } from './errors.js';
import { commonSettings, type Connection, type Connector, type ConnectorEnv } from './types.js';

const attributeName = z.string().min(1).max(500);
const MFA_CONTEXTS = [
  'https://refeds.org/profile/mfa',
  'http://schemas.microsoft.com/claims/multipleauthn',
  'urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract',
  'urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorUnregistered',
  'urn:oasis:names:tc:SAML:2.0:ac:classes:TimeSyncToken',
];
const ENTRA_METHODS = 'http://schemas.microsoft.com/claims/authnmethodsreferences';
const DEFAULT_ATTRIBUTES = {
  email: [
    'email',
    'mail',
    'emailaddress',
    'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress',
    'urn:oid:0.9.2342.19200300.100.1.3',
  ],
  name: ['name', 'displayName', 'http://schemas.microsoft.com/identity/claims/displayname', 'urn:oid:2.16.840.1.113730.3.1.241'],
  given_name: [
    'given_name',
    'givenName',
    'firstName',
    'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname',
    'urn:oid:2.5.4.42',
  ],
  family_name: [
    'family_name',
    'sn',
    'surname',
    'lastName',
    'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname',
    'urn:oid:2.5.4.4',
  ],
};

export const samlSettings = z.strictObject({
  /** Where the IdP publishes its metadata (refreshed on a schedule); without it, the imported XML is used. */
  metadata_url: z.url().optional(),
  name_id_format: z
    .enum(Object.keys(NAMEID_FORMATS) as [keyof typeof NAMEID_FORMATS, ...Array<keyof typeof NAMEID_FORMATS>])
    .default('persistent'),
  /** An attribute holding a stable, unique ID, used as the subject instead of the NameID. */
  subject_attribute: attributeName.optional(),
  /** Which attribute carries each profile field (default: the usual names for each). */
  attributes: z
    .strictObject({
      email: attributeName.optional(),
      name: attributeName.optional(),
      given_name: attributeName.optional(),
      family_name: attributeName.optional(),
    })
    .default({}),
  mfa_authn_contexts: z.array(z.string().min(1)).default(MFA_CONTEXTS),
  /** Accept IdP-initiated (unsolicited) responses; off by default (login CSRF). */
  allow_unsolicited: z.boolean().default(false),
  /** Accept SHA-1 signatures and digests (legacy IdPs only). */
  allow_sha1: z.boolean().default(false),
  ...commonSettings,
});
export type SamlSettings = z.infer<typeof samlSettings>;

function metadataOf(conn: Connection, env: ConnectorEnv) {
  if (!conn.metadata) throw fail('idp_unreachable', 'the IdP metadata has not been fetched yet');
  try {
    return parseIdpMetadata(env.xml, conn.metadata);
  } catch (err) {
    throw fail('bad_response', `[metadata] ${(err as Error).message}`);
  }
}

/** The connection's own encryption key (made when it was created; see generateSecret). */
function keysOf(conn: Connection): { privateKey: string; certificate: string } | undefined {
  try {
    const keys = JSON.parse(conn.secret ?? '') as { privateKey?: unknown; certificate?: unknown };
    return typeof keys.privateKey === 'string' && typeof keys.certificate === 'string'
      ? { privateKey: keys.privateKey, certificate: keys.certificate }
      : undefined;
  } catch {
    return undefined;
  }
}

const spOf = (conn: Connection, env: ConnectorEnv, s: SamlSettings, relayState?: string) =>
  spEntity({
    entityId: env.spEntityId(conn.id),
    acsUrl: env.callbackUrl(conn.id),
    nameIdFormat: s.name_id_format,
    relayState,
    encryption: keysOf(conn),
  });

/** Wayfinder's SP metadata for a connection (served at its entity ID). */
export function samlSpMetadata(conn: Connection, env: ConnectorEnv): string {
  return spOf(conn, env, samlSettings.parse(conn.settings)).getMetadata();
}

const first = (attributes: Record<string, string[]>, configured: string | undefined, defaults: string[]) => {
  for (const name of configured ? [configured] : defaults) {
    const value = attributes[name]?.find((v) => v.trim());
    if (value) return value.trim();
  }
  return undefined;
};

export const samlConnector: Connector<SamlSettings> = {
  kind: 'saml',
  settings: samlSettings,
  unsolicited: true,

  /** An encryption key pair of its own: published in the SP metadata, used to decrypt assertions. */
  async generateSecret(connectionId) {
    const made = await generateCertificate(`wayfinder-sp-${connectionId}`);
    return JSON.stringify({ privateKey: made.privateKey, certificate: made.certificate });
  },

  validateStatic(settings, metadata, xml) {
    const s = samlSettings.parse(settings);
    if (!metadata && !s.metadata_url)
      throw new MetadataProblem('a SAML connection needs metadata (inline or from a file) or a metadata_url');
    if (metadata) parseIdpMetadata(xml, metadata);
  },

  async check(conn, env) {
    metadataOf(conn, env);
  },

  async begin(conn, env, { state }) {
    const s = samlSettings.parse(conn.settings);
    const md = metadataOf(conn, env);
    const { id, context } = spOf(conn, env, s).createLoginRequest(idpEntity(md), 'redirect', { relayState: state });
    return { redirect: context, remember: { requestId: id } };
  },

  stateOf: ({ body }) => body.RelayState || undefined,

  async finish(conn, env, { body, remembered, staleState }) {
    const s = samlSettings.parse(conn.settings);
    const md = metadataOf(conn, env);
    if (!body.SAMLResponse) throw fail('bad_response', '[binding] no SAMLResponse in the POST');
    if (!remembered && staleState) throw fail('expired', 'no sign-in is waiting for this answer (expired or already used)');
    if (!remembered && !s.allow_unsolicited) throw fail('unsolicited', 'the connection does not accept unsolicited responses');
    const sp = spOf(conn, env, s);
    const decrypt = keysOf(conn) && ((xml: string) => decryptAssertion(sp, xml));
    const verified = await verifyResponse(env.xml, body.SAMLResponse, {
      certificates: md.certificates,
      allowSha1: s.allow_sha1,
      maxBytes: env.maxMessageBytes,
      decrypt,
    });
    const claims = readAssertion(verified.response, verified.signedAssertion, {
      idpEntityId: md.entityId,
      spEntityId: env.spEntityId(conn.id),
      acsUrl: env.callbackUrl(conn.id),
      inResponseTo: remembered ? String(remembered.requestId) : undefined,
      clockSkewSeconds: env.federation.clockSkewSeconds,
    });
    if (!(await env.rememberAssertion(conn.id, claims.id, claims.validUntil)))
      throw fail('replayed', `the assertion ${claims.id} was already used`);

    let subject: string | undefined;
    if (s.subject_attribute) {
      subject = first(claims.attributes, s.subject_attribute, []);
    } else if (
      claims.nameId &&
      (!claims.nameIdFormat || [NAMEID_FORMATS[s.name_id_format], NAMEID_FORMATS.unspecified].includes(claims.nameIdFormat as never))
    ) {
      subject = claims.nameId;
    }
    if (!subject)
      throw fail(
        'no_subject',
        `no stable subject (NameID format ${claims.nameIdFormat ?? 'none'}${s.subject_attribute ? `, attribute ${s.subject_attribute} missing` : ''})`,
      );
    const email = (
      first(claims.attributes, s.attributes.email, DEFAULT_ATTRIBUTES.email) ??
      (claims.nameIdFormat === NAMEID_FORMATS.emailAddress ? claims.nameId : undefined)
    )?.toLowerCase();
    const methods = [...(claims.authnContextClassRef ? [claims.authnContextClassRef] : []), ...(claims.attributes[ENTRA_METHODS] ?? [])];
    return {
      subject,
      email,
      emailTrusted: Boolean(email) && s.trust_email,
      name: first(claims.attributes, s.attributes.name, DEFAULT_ATTRIBUTES.name),
      given_name: first(claims.attributes, s.attributes.given_name, DEFAULT_ATTRIBUTES.given_name),
      family_name: first(claims.attributes, s.attributes.family_name, DEFAULT_ATTRIBUTES.family_name),
      mfa: methods.some((m) => s.mfa_authn_contexts.includes(m)),
      methods,
    };
  },
};
