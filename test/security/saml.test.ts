/**
 * SAML regression tests: each hostile or broken message gets a 4xx page that says what happened, an
 * audit event, and never a 500 — attribute injection, a tampered signed AuthnRequest, a replayed
 * request ID, billion laughs and external entities, an ACS URL not in the metadata, an unknown SP,
 * SHA-1, a stale request, another IdP's request, a deflate bomb, an oversized POST.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { SAML } from '@node-saml/node-saml';
import { PageClient, signInWithPassword } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { addSp, postedForm, postedXml, spKeys, type TestSp } from '../helpers/saml-sp.js';
import { samlify } from '../../src/saml/lib.js';
import { responseXml } from '../../src/saml/assertion.js';

const PASSWORD = 'correct horse battery staple';
const INJECTION =
  '</saml:AttributeValue></saml:Attribute><saml:Attribute Name="role"><saml:AttributeValue>admin</saml:AttributeValue></saml:Attribute><saml:Attribute Name="x"><saml:AttributeValue>';
let server: TestServer;
let signed: TestSp;
let unsigned: TestSp;

beforeAll(async () => {
  server = await startTestServer();
  await server.services.users.create({
    email: 'mallory@example.test',
    password: PASSWORD,
    name: INJECTION,
    given_name: '{Issuer}{NameID}',
    email_verified: true,
  });
  signed = await addSp(server, 'signed', { settings: { attributes: { name: 'name', given_name: 'given_name', email: 'email' } } });
  unsigned = await addSp(server, 'unsigned', { signRequests: false });
});
afterAll(() => server?.close());

/** GETs `url` (no redirects followed) and expects a refusal page with `reason` audited. */
async function expectRefused(send: (page: PageClient) => Promise<unknown>, reason: string, status = 400, text?: string) {
  const before = (await server.services.audit.recent({ type: 'saml.refused' })).length;
  const page = new PageClient(server.url);
  await send(page);
  expect([page.last.status, reason]).toEqual([status, reason]);
  expect(page.last.headers.get('content-type')).toContain('text/html');
  if (text) expect(page.last.body.replace(/&#39;/g, "'")).toContain(text);
  const events = await server.services.audit.recent({ type: 'saml.refused' });
  expect(events.length).toBe(before + 1);
  expect(events[0].data).toMatchObject({ reason });
  return page;
}

/** A Redirect-binding URL whose SAMLRequest has been rewritten by `edit` (signature left as it was). */
function tamper(url: string, edit: (xml: string) => string) {
  const u = new URL(url);
  const xml = inflateRawSync(Buffer.from(u.searchParams.get('SAMLRequest')!, 'base64')).toString();
  u.searchParams.set('SAMLRequest', deflateRawSync(edit(xml)).toString('base64'));
  return u.toString();
}

const unsignedRequest = (attrs: Record<string, string> = {}, issuer = unsigned.entityId) => {
  const a = {
    ID: `_${Math.random().toString(16).slice(2)}`,
    IssueInstant: new Date().toISOString(),
    Destination: `${server.url}/saml/sso`,
    ...attrs,
  };
  return `<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" Version="2.0"${Object.entries(
    a,
  )
    .map(([k, v]) => ` ${k}="${v}"`)
    .join('')}><saml:Issuer>${issuer}</saml:Issuer></samlp:AuthnRequest>`;
};
const redirectWith = (xml: string) => `/saml/sso?SAMLRequest=${encodeURIComponent(deflateRawSync(xml).toString('base64'))}`;
const postWith = (page: PageClient, xml: string) =>
  page.request('/saml/sso', {
    method: 'POST',
    body: new URLSearchParams({ SAMLRequest: Buffer.from(xml).toString('base64') }),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });

test('attribute injection: a name that closes the attribute stays one escaped value; no "role" attribute appears', async () => {
  const page = new PageClient(server.url);
  await signInWithPassword(
    page,
    await page.get(await signed.saml.getAuthorizeUrlAsync('', undefined, {})),
    'mallory@example.test',
    PASSWORD,
  );
  const xml = postedXml(page);
  expect(xml).not.toContain('<saml:Attribute Name="role">');
  expect(xml).toContain('&lt;/saml:AttributeValue&gt;&lt;/saml:Attribute&gt;&lt;saml:Attribute Name='); // text, not markup
  const { profile } = await signed.saml.validatePostResponseAsync(postedForm(page).fields);
  expect(profile!.name).toBe(INJECTION);
  expect(profile!.role).toBeUndefined();
  expect(profile!.x).toBeUndefined();
  // Template tags in user data are not expanded (single-pass filling).
  expect(profile!.given_name).toBe('{Issuer}{NameID}');
});

test("attribute injection, at the template level: our builder and samlify's replaceTagsByValue both escape", () => {
  expect(samlify().SamlLib.replaceTagsByValue('<a>{Value}</a>', { Value: INJECTION })).not.toContain('<saml:Attribute Name="role">');
  const sp = { entityId: 'https://sp', settings: { sign: 'both' } } as never;
  const xml = responseXml({
    issuer: 'https://idp',
    sp,
    acsUrl: 'https://sp/acs',
    lifetimeSeconds: 300,
    clockSkewSeconds: 60,
    assertion: {
      nameId: INJECTION,
      nameIdFormat: 'f',
      sessionIndex: '_s',
      authnInstant: new Date(),
      authnContext: 'c',
      attributes: [{ name: 'n', nameFormat: 'b', values: [INJECTION, '\u0000\u0008ok'] }],
    },
  });
  expect(xml.match(/<saml:Attribute /g)).toHaveLength(1);
  expect(xml).toContain('<saml:AttributeValue xsi:type="xs:string">ok</saml:AttributeValue>');
  expect(() => server.features.saml.validator.validate(xml, 'protocol')).not.toThrow();
});

test('a tampered signed AuthnRequest is refused (Redirect binding)', async () => {
  const url = await signed.saml.getAuthorizeUrlAsync('', undefined, {});
  await expectRefused(
    (p) => p.request(tamper(url, (x) => x.replace(/ID="[^"]+"/, 'ID="_tampered"'))),
    'saml_bad_signature',
    400,
    'request could not be verified',
  );
  await expectRefused((p) => p.request(url.replace(/&Signature=[^&]+/, '')), 'saml_bad_signature'); // its metadata says it signs
});

test('a tampered signed AuthnRequest is refused (HTTP-POST binding, enveloped signature)', async () => {
  const poster = new SAML({ ...signed.saml.options, skipRequestCompression: true, authnRequestBinding: 'HTTP-POST' });
  const form = async () => {
    const html = await poster.getAuthorizeFormAsync('');
    return Buffer.from(/name="SAMLRequest" value="([^"]*)"/.exec(html)![1], 'base64').toString();
  };
  const good = await form();
  expect(good).toContain('<Signature xmlns="http://www.w3.org/2000/09/xmldsig#">');
  const ok = new PageClient(server.url);
  await postWith(ok, good);
  expect(ok.last.status).toBe(303);
  const tampered = (await form()).replace(
    'AssertionConsumerServiceURL="https://signed.example.test/acs"',
    'AssertionConsumerServiceURL="https://signed.example.test/acs" ForceAuthn="true"',
  );
  await expectRefused((p) => postWith(p, tampered), 'saml_bad_signature');
});

test('SHA-1 is accepted only from an SP that opted in', async () => {
  const legacy = await addSp(server, 'legacy', { settings: { allow_sha1: true }, config: { signatureAlgorithm: 'sha1' } });
  const page = new PageClient(server.url);
  await page.request(await legacy.saml.getAuthorizeUrlAsync('', undefined, {}));
  expect(page.last.status).toBe(303);
});

test('a replayed request ID is refused the second time', async () => {
  const url = await signed.saml.getAuthorizeUrlAsync('', undefined, {});
  const page = new PageClient(server.url);
  await page.request(url);
  expect(page.last.status).toBe(303);
  await expectRefused((p) => p.request(url), 'saml_replayed', 400, 'This sign-in request was already used.');
});

test('billion laughs and external entities are refused before parsing, over POST and Redirect', async () => {
  const laughs =
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">' +
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>' +
    unsignedRequest().replace(`<saml:Issuer>${unsigned.entityId}`, `<saml:Issuer>&lol3;${unsigned.entityId}`);
  const xxe = `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${unsignedRequest().replace('</saml:Issuer>', '&xxe;</saml:Issuer>')}`;
  for (const xml of [laughs, xxe]) {
    await expectRefused((p) => postWith(p, xml), 'saml_dtd', 400, 'content that Wayfinder does not accept');
    await expectRefused((p) => p.request(redirectWith(xml)), 'saml_dtd');
  }
});

test('an ACS URL that is not in the SP metadata is refused (even in a correctly signed request)', async () => {
  const keys = await spKeys();
  const elsewhere = new SAML({ ...signed.saml.options, callbackUrl: 'https://evil.example.test/acs', privateKey: keys.privateKey });
  const url = await elsewhere.getAuthorizeUrlAsync('', undefined, {});
  await expectRefused((p) => p.request(url), 'saml_acs_not_registered', 400, 'asked to return to an address it has not registered');
  await expectRefused((p) => p.request(redirectWith(unsignedRequest({ AssertionConsumerServiceIndex: '7' }))), 'saml_acs_not_registered');
  await expectRefused(
    (p) => p.request(redirectWith(unsignedRequest({ ProtocolBinding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect' }))),
    'saml_unsupported_binding',
  );
});

test("unknown SP, SHA-1, stale or future request, another IdP's request, malformed base64", async () => {
  await expectRefused(
    (p) => p.request(redirectWith(unsignedRequest({}, 'https://stranger.example.test'))),
    'saml_unknown_sp',
    400,
    'not registered with Wayfinder',
  );
  const sha1 = new SAML({ ...signed.saml.options, signatureAlgorithm: 'sha1', privateKey: (await spKeys()).privateKey });
  await expectRefused(
    async (p) => p.request(await sha1.getAuthorizeUrlAsync('', undefined, {})),
    'saml_algorithm',
    400,
    'signed in a way that Wayfinder does not accept',
  );
  await expectRefused(
    (p) => p.request(redirectWith(unsignedRequest({ IssueInstant: new Date(Date.now() - 3600e3).toISOString() }))),
    'saml_expired',
  );
  await expectRefused(
    (p) => p.request(redirectWith(unsignedRequest({ IssueInstant: new Date(Date.now() + 600e3).toISOString() }))),
    'saml_expired',
  );
  await expectRefused(
    (p) => p.request(redirectWith(unsignedRequest({ Destination: 'https://other-idp.example.test/sso' }))),
    'saml_wrong_destination',
  );
  await expectRefused((p) => p.request('/saml/sso?SAMLRequest=%%%'), 'saml_malformed');
  await expectRefused((p) => postWith(p, '<not-saml/>'), 'saml_malformed');
});

test('size limits: a deflate bomb on the Redirect binding and an oversized POST body', async () => {
  const bomb = deflateRawSync(Buffer.alloc(5 * 1024 * 1024, 0x20)).toString('base64'); // 5 MB of spaces, ~5 KB deflated (fits a URL)
  await expectRefused(
    (p) => p.request(`/saml/sso?SAMLRequest=${encodeURIComponent(bomb)}`),
    'saml_too_large',
    413,
    "The app's request was too large.",
  );
  const big = Buffer.alloc(200 * 1024, 0x41).toString('base64');
  await expectRefused(
    (p) =>
      p.request('/saml/sso', {
        method: 'POST',
        body: new URLSearchParams({ SAMLRequest: big }),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
    'saml_too_large',
    413,
  );
});

test('broken signatures and odd requests are 4xx pages, never a 500', async () => {
  const url = new URL(await signed.saml.getAuthorizeUrlAsync('', undefined, {}));
  const variant = (key: string, value: string) => {
    const u = new URL(url);
    u.searchParams.set(key, value);
    return `${u.pathname}${u.search}`;
  };
  const poster = new SAML({ ...signed.saml.options, skipRequestCompression: true, authnRequestBinding: 'HTTP-POST' });
  const postXml = Buffer.from(/name="SAMLRequest" value="([^"]*)"/.exec(await poster.getAuthorizeFormAsync(''))![1], 'base64').toString();
  const gets = [
    variant('Signature', '!!!notbase64'),
    variant('Signature', 'AAAA'),
    variant('Signature', ''),
    variant('SigAlg', ''),
    variant('SAMLRequest', ''),
    variant('SAMLRequest', Buffer.from('<x/>').toString('base64')),
    '/saml/callback?state=abc&code=def',
    '/saml/callback?state=a&state=b&code=c&code=d',
    '/saml/callback?error=login_required',
    '/saml/launch/nope',
    '/saml/slo',
    '/saml/slo?SAMLResponse=AAAA&RelayState=x',
  ];
  const posts = [
    postXml.replace(/<SignatureValue>[^<]*</, '<SignatureValue>AAAA<'),
    postXml.replace(/<SignatureValue>[^<]*</, '<SignatureValue>!!<'),
    postXml.replace('http://www.w3.org/2001/10/xml-exc-c14n#"/><SignatureMethod', 'http://example.com/c14n"/><SignatureMethod'),
    postXml.replace(
      '<Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>',
      '<Transform Algorithm="http://www.w3.org/TR/1999/REC-xslt-19991116"/>',
    ),
  ];
  const page = new PageClient(server.url);
  for (const path of gets) {
    await page.request(path);
    expect([path, page.last.status >= 400 && page.last.status < 500]).toEqual([path, true]);
  }
  for (const [i, xml] of posts.entries()) {
    await postWith(page, xml);
    expect([i, page.last.status]).toEqual([i, 400]);
    expect(page.last.body).toContain('request could not be verified');
  }
});
