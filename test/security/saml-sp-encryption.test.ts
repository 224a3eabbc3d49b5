/**
 * Encrypted assertions on the SP side: each SAML connection has an encryption key of its own,
 * published in its SP metadata; an IdP (here encrypting with xml-encryption, node-saml's library)
 * may encrypt its signed assertion to it. Regression tests: AES-GCM and AES-CBC with RSA-OAEP are
 * accepted; rsa-1_5 key transport and 3DES are refused before any decryption; an assertion
 * encrypted for another key, two encrypted assertions, or an encrypted one beside a plaintext one
 * are refused; a Response signature over the encrypted form must verify.
 */
import { PageClient } from '../helpers/browser.js';
import { ENCRYPTION, newKey, type ResponseOptions } from '../helpers/company-saml-idp.js';
import { postToAcs, SAML_CONNECTION, startSamlCompany, toIdp, type SamlCompany } from '../helpers/company-saml.js';
import { REDIRECT_URI } from '../helpers/rp.js';

let c: SamlCompany;
let spCertificate: string;
let counter = 0;

beforeAll(async () => {
  c = await startSamlCompany({ mfa_trust: 'none' });
  const metadata = await (await fetch(c.spEntityId)).text();
  const body = /<KeyDescriptor use="encryption">[\s\S]*?<(?:ds:)?X509Certificate>([^<]+)</.exec(metadata)?.[1];
  if (!body) throw new Error(`no encryption certificate in the SP metadata: ${metadata}`);
  spCertificate = `-----BEGIN CERTIFICATE-----\n${body
    .replace(/\s+/g, '')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END CERTIFICATE-----\n`;
});
afterAll(() => c?.close());

const b64 = (xml: string) => Buffer.from(xml).toString('base64');

async function attempt(make: (base: ResponseOptions) => Promise<string>) {
  counter += 1;
  const email = `e${counter}.${Date.now().toString(36)}@fabrikam.test`;
  const page = new PageClient(c.server.url);
  const { request } = await toIdp(c, page, email);
  const base: ResponseOptions = {
    acs: c.acs,
    audience: c.spEntityId,
    inResponseTo: request.id,
    nameId: `enc-${counter}`,
    attributes: { email: [email] },
  };
  return { end: await postToAcs(c, page, await make(base), request.relayState), page, email };
}

async function expectRefused(make: (base: ResponseOptions) => Promise<string>, check: RegExp) {
  const { end, page, email } = await attempt(make);
  expect(end.startsWith(REDIRECT_URI)).toBe(false);
  expect(page.last.status).toBe(400);
  const [event] = await c.server.services.audit.recent({ type: 'sso.failed', limit: 1 });
  expect(event.data).toMatchObject({ reason: 'bad_response', connectionId: SAML_CONNECTION });
  expect(String(event.data.detail)).toMatch(check);
  expect(await c.server.services.accounts.findUserByEmail(email)).toBeUndefined();
}

/** A signed assertion, encrypted to `cert`; the response then signed too when `signResponse`. */
const encrypted =
  (algorithms: { cipher?: string; keyTransport?: string } = {}, cert?: string, signResponse = false) =>
  async (base: ResponseOptions) => {
    let xml = await c.idp.encrypt(c.idp.sign(c.idp.responseXml(base)), cert ?? spCertificate, algorithms);
    if (signResponse) xml = c.idp.sign(xml, { sign: 'response' });
    return b64(xml);
  };

test("the encryption key is the connection's own, sealed at rest; the SP metadata publishes its certificate", async () => {
  const row = (await c.server.features.connectorStore.findConnection(SAML_CONNECTION))!;
  expect(row.secret_enc).toBeTruthy();
  expect(row.secret_enc).not.toContain('PRIVATE KEY');
  const keys = JSON.parse(c.server.services.box.open(row.secret_enc!, 'connection-secret')) as { certificate: string };
  expect(keys.certificate.replace(/\s+/g, '')).toBe(spCertificate.replace(/\s+/g, ''));
  // Saving the connection again keeps its key (re-applying a bootstrap file changes nothing).
  await c.configure({ mfa_trust: 'none' });
  expect((await c.server.features.connectorStore.findConnection(SAML_CONNECTION))!.secret_enc).toBe(row.secret_enc);
});

test('an assertion encrypted with AES-256-GCM / RSA-OAEP is decrypted, verified and accepted (also inside a signed response)', async () => {
  expect((await attempt(encrypted())).end.startsWith(REDIRECT_URI)).toBe(true);
  expect((await attempt(encrypted({ cipher: ENCRYPTION.aes128cbc }, undefined, true))).end.startsWith(REDIRECT_URI)).toBe(true);
});

test('rsa-1_5 key transport is refused', async () => {
  await expectRefused(
    encrypted({ keyTransport: ENCRYPTION.rsa15 }),
    /\[algorithm\] key transport http:\/\/www\.w3\.org\/2001\/04\/xmlenc#rsa-1_5/,
  );
});

test('3DES content encryption is refused', async () => {
  await expectRefused(
    encrypted({ cipher: ENCRYPTION.tripledes }),
    /\[algorithm\] content encryption http:\/\/www\.w3\.org\/2001\/04\/xmlenc#tripledes-cbc/,
  );
});

test('an assertion encrypted for another key is refused', async () => {
  const other = await newKey('someone-else.example');
  await expectRefused(encrypted({}, other.certificate), /\[decryption\]/);
});

test('two encrypted assertions, or an encrypted one beside a plaintext one, are refused', async () => {
  await expectRefused(async (base) => {
    const xml = await c.idp.encrypt(c.idp.sign(c.idp.responseXml(base)), spCertificate);
    const block = /<saml:EncryptedAssertion>[\s\S]*<\/saml:EncryptedAssertion>/.exec(xml)![0];
    return b64(xml.replace(block, block + block));
  }, /\[(shape|schema)\]/);
  await expectRefused(async (base) => {
    const signed = c.idp.sign(c.idp.responseXml(base));
    const xml = await c.idp.encrypt(signed, spCertificate);
    const plain = /<saml:Assertion[\s\S]*<\/saml:Assertion>/.exec(signed)![0].replace(/ID="[^"]+"/, 'ID="_other"');
    return b64(xml.replace('</samlp:Response>', `${plain}</samlp:Response>`));
  }, /\[(shape|schema)\]/);
});

test('a response signature over the encrypted form must verify', async () => {
  await expectRefused(async (base) => {
    const xml = await encrypted({}, undefined, true)(base);
    return b64(
      Buffer.from(xml, 'base64')
        .toString('utf8')
        .replace(/(<xenc:CipherValue>)[A-Za-z0-9+/]{4}/, '$1AAAA'),
    );
  }, /\[signature\] the response signature/);
});
