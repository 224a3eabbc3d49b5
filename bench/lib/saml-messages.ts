/** Realistic SAML messages for benchmarks: a signed Response (assertion and response signed) and an AuthnRequest. */
import { generateCertificate } from '../../src/saml/certificates.js';
import { buildResponse } from '../../src/saml/assertion.js';
import { spSettingsSchema } from '../../src/saml/settings.js';
import type { ServiceProvider } from '../../src/saml/registry.js';

export async function sampleMessages() {
  const key = await generateCertificate('bench.example.test');
  const certificate = key.certificate.replace(/-----[^-]+-----|\s+/g, '');
  const sp = {
    entityId: 'https://sp.bench.test/metadata',
    settings: spSettingsSchema.parse({}),
    encryptionMethods: [],
  } as unknown as ServiceProvider;
  const response = await buildResponse(
    {
      issuer: 'https://id.bench.test/saml/metadata',
      sp,
      acsUrl: 'https://sp.bench.test/acs',
      inResponseTo: '_0123456789abcdef0123456789abcdef01234567',
      lifetimeSeconds: 300,
      clockSkewSeconds: 60,
      assertion: {
        nameId: 'wf-3q2+7w8b9c0d1e2f3g4h5i6j',
        nameIdFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
        sessionIndex: '_fedcba9876543210fedcba9876543210fedcba98',
        authnInstant: new Date(),
        authnContext: 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport',
        attributes: [
          { name: 'email', nameFormat: 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic', values: ['ada.lovelace@example.test'] },
          { name: 'name', nameFormat: 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic', values: ['Ada Lovelace'] },
          {
            name: 'groups',
            nameFormat: 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic',
            values: ['engineering', 'analytical-engines', 'staff'],
          },
        ],
      },
    },
    { privateKey: key.privateKey, certificate },
  );
  const authnRequest = `<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_${'a'.repeat(40)}" Version="2.0" IssueInstant="${new Date().toISOString()}" Destination="https://id.bench.test/saml/sso" AssertionConsumerServiceURL="https://sp.bench.test/acs" ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"><saml:Issuer>https://sp.bench.test/metadata</saml:Issuer><samlp:NameIDPolicy Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent" AllowCreate="true"/></samlp:AuthnRequest>`;
  return { response, authnRequest, key, certificate, sp };
}
