/**
 * Our own enveloped signatures (src/saml/xml-tree.ts) against an independent implementation:
 * xml-crypto's exclusive canonicalizer must give, for the document we render, exactly the canonical
 * form we digest — for hostile values too — and xml-crypto must verify both signatures of a
 * response, each over the element it names. (xmlsec1 and node-saml check the same responses in
 * test/integration/saml-xmlsec.test.ts and test/e2e/saml-sso.test.ts.)
 */
import { DOMParser } from '@xmldom/xmldom';
import { ExclusiveCanonicalization, SignedXml } from 'xml-crypto';
import { generateCertificate } from '../../src/saml/certificates.js';
import { buildResponse } from '../../src/saml/assertion.js';
import { spSettingsSchema } from '../../src/saml/settings.js';
import type { ServiceProvider } from '../../src/saml/registry.js';
import { canonical, clean, el, render } from '../../src/saml/xml-tree.js';

const HOSTILE = 'a&b <c> "d" \'e\' \t tab \n line \r cr \r\n crlf ]]> é 😀 \u0001 &amp; </saml:AttributeValue>';
const parse = (xml: string) => new DOMParser().parseFromString(xml, 'text/xml');
const xmlCryptoC14n = (node: Node) => new ExclusiveCanonicalization().process(node as never, {}) as unknown as string;

test('the canonical form we digest is the one xml-crypto computes from the document we send', () => {
  const tree = el(
    'samlp:Response',
    [
      ['ID', '_r'],
      ['Version', '2.0'],
      ['Destination', `https://sp.test/acs?x=${HOSTILE}`],
    ],
    [
      el('saml:Issuer', [], [HOSTILE]),
      el(
        'saml:Assertion',
        [
          ['Version', '2.0'],
          ['ID', '_a'],
          ['IssueInstant', '2026-11-21T00:00:00Z'],
        ],
        [
          el(
            'saml:Attribute',
            [
              ['NameFormat', 'basic'],
              ['Name', HOSTILE],
            ],
            [
              el('saml:AttributeValue', [['xsi:type', 'xs:string']], [HOSTILE]),
              el('saml:AttributeValue', [['xsi:type', 'xs:string']], ['']),
            ],
          ),
        ],
        ['saml', 'xs', 'xsi'],
      ),
    ],
    ['samlp', 'saml'],
  );
  const doc = parse(render(tree));
  expect(canonical(tree)).toBe(xmlCryptoC14n(doc.documentElement));
  const assertion = doc.getElementsByTagNameNS('urn:oasis:names:tc:SAML:2.0:assertion', 'Assertion')[0];
  expect(canonical(tree.children![1] as never)).toBe(xmlCryptoC14n(assertion));
  // Values survive the round trip exactly (forbidden characters dropped): CR, tabs and newlines included.
  expect(doc.getElementsByTagNameNS('urn:oasis:names:tc:SAML:2.0:assertion', 'AttributeValue')[0].textContent).toBe(clean(HOSTILE));
  expect(doc.getElementsByTagNameNS('urn:oasis:names:tc:SAML:2.0:assertion', 'Attribute')[0].getAttribute('Name')).toBe(clean(HOSTILE));
});

test('xml-crypto verifies the assertion and the response signatures of a response with hostile attribute values', async () => {
  const key = await generateCertificate('signing.example.test');
  const certificate = key.certificate.replace(/-----[^-]+-----|\s+/g, '');
  const sp = {
    entityId: 'https://sp.example.test/metadata',
    settings: spSettingsSchema.parse({ sign: 'both' }),
    encryptionMethods: [],
  } as unknown as ServiceProvider;
  const xml = await buildResponse(
    {
      issuer: 'https://id.example.test/saml/metadata',
      sp,
      acsUrl: 'https://sp.example.test/acs',
      inResponseTo: '_req',
      lifetimeSeconds: 300,
      clockSkewSeconds: 60,
      assertion: {
        nameId: `n${HOSTILE}`,
        nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
        sessionIndex: '_s',
        authnInstant: new Date(),
        authnContext: 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport',
        attributes: [{ name: 'display', nameFormat: 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic', values: [HOSTILE, 'plain'] }],
      },
    },
    { privateKey: key.privateKey, certificate },
  );
  const doc = parse(xml);
  const signatures = Array.from(doc.getElementsByTagNameNS('http://www.w3.org/2000/09/xmldsig#', 'Signature'));
  expect(signatures.map((s) => (s.parentNode as Element).localName)).toEqual(['Response', 'Assertion']);
  for (const node of signatures) {
    const sig = new SignedXml({ publicCert: key.certificate, getCertFromKeyInfo: () => null });
    sig.loadSignature(node as never);
    expect(sig.checkSignature(xml)).toBe(true);
    expect(sig.getSignedReferences()).toHaveLength(1);
  }
  // A changed attribute value breaks both signatures.
  const tampered = xml.replace('>plain<', '>plainer<');
  for (const node of Array.from(parse(tampered).getElementsByTagNameNS('http://www.w3.org/2000/09/xmldsig#', 'Signature'))) {
    const sig = new SignedXml({ publicCert: key.certificate, getCertFromKeyInfo: () => null });
    sig.loadSignature(node as never);
    let valid: boolean;
    try {
      valid = sig.checkSignature(tampered);
    } catch {
      valid = false;
    }
    expect(valid).toBe(false);
  }
});
