/**
 * SAML SSO end to end, with @node-saml/node-saml as independent service providers validating every
 * response: metadata, SP-initiated sign-in over HTTP-Redirect (signed request) and HTTP-POST, a
 * second SP getting in without a prompt, RelayState, encrypted assertions, the sign modes,
 * ForceAuthn and IsPassive, IdP-initiated sign-in (allowed and refused), persistent NameIDs.
 */
import { PageClient, signInWithPassword } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { addSp, idpCertificates, postedForm, postedXml, PERSISTENT, type TestSp } from '../helpers/saml-sp.js';
import { createXmlValidator } from '../../src/saml/validator.js';

const PASSWORD = 'correct horse battery staple';
let server: TestServer;
let sp1: TestSp;
let sp2: TestSp;

beforeAll(async () => {
  server = await startTestServer();
  await server.services.users.create({
    email: 'ada@example.test',
    password: PASSWORD,
    name: 'Ada Lovelace',
    given_name: 'Ada',
    family_name: 'Lovelace',
    email_verified: true,
  });
  sp1 = await addSp(server, 'sp1', { settings: { display_name: 'Expenses' } });
  sp2 = await addSp(server, 'sp2', { signRequests: false });
});
afterAll(() => server?.close());

/** Starts a sign-in at `sp` over the Redirect binding; returns where the browser landed. */
async function startRedirect(page: PageClient, sp: TestSp, relayState = 'rs-123', options = {}) {
  const url = await sp.saml.getAuthorizeUrlAsync(relayState, undefined, options);
  return page.get(url);
}

/** Posts the SP's AuthnRequest form (HTTP-POST binding) like a browser would. */
async function startPost(page: PageClient, sp: TestSp, relayState = 'rs-post') {
  const html = await sp.post.getAuthorizeFormAsync(relayState);
  const field = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1];
  const form = new URLSearchParams({ SAMLRequest: field('SAMLRequest')!, RelayState: field('RelayState')! });
  await page.request('/saml/sso', { method: 'POST', body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  if (!page.last.location) throw new Error(`POST /saml/sso answered ${page.last.status}: ${page.last.body.slice(0, 2000)}`);
  return page.get(new URL(page.last.location, server.url).toString());
}

async function validate(sp: TestSp, page: PageClient) {
  const { action, fields } = postedForm(page);
  expect(action).toBe(sp.acsUrl);
  return { ...(await sp.saml.validatePostResponseAsync(fields)), relayState: fields.RelayState, xml: postedXml(page) };
}

test('metadata: entity ID, active and next certificates, Redirect and POST endpoints, NameID formats; schema-valid', async () => {
  const res = await fetch(`${server.url}/saml/metadata`);
  expect(res.headers.get('content-type')).toContain('application/samlmetadata+xml');
  const xml = await res.text();
  expect(xml).toContain(`entityID="${server.url}/saml/metadata"`);
  expect(await idpCertificates(server)).toHaveLength(2);
  for (const binding of ['HTTP-Redirect', 'HTTP-POST']) {
    expect(xml).toContain(
      `<SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:${binding}" Location="${server.url}/saml/sso"`,
    );
    expect(xml).toContain(
      `<SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:${binding}" Location="${server.url}/saml/slo"`,
    );
  }
  expect(xml).toContain(PERSISTENT);
  expect(() => createXmlValidator(100_000).validate(xml, 'metadata')).not.toThrow();
});

test('SP-initiated over HTTP-Redirect (signed request): sign in, node-saml accepts the signed response', async () => {
  const page = new PageClient(server.url);
  const landed = await startRedirect(page, sp1);
  expect(landed).toContain('/interaction/');
  await signInWithPassword(page, landed, 'ada@example.test', PASSWORD);
  const { profile, relayState, xml } = await validate(sp1, page);
  expect(relayState).toBe('rs-123');
  expect(profile!.nameIDFormat).toBe(PERSISTENT);
  expect(profile!.nameID).toMatch(/^wf-[A-Za-z0-9_-]{24}$/);
  expect(profile!.email).toBe('ada@example.test');
  expect(profile!.given_name).toBe('Ada');
  expect(profile!.sessionIndex).toBeTruthy();
  expect(xml).toContain('urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport');
  expect((xml.match(/<ds:Signature /g) ?? []).length).toBe(2); // response and assertion (default: both)
  expect(page.last.body).toContain('src="/saml/assets/post.js"');
  const events = await server.services.audit.recent({ type: 'saml.sso' });
  expect(events[0]).toMatchObject({ outcome: 'success', client_id: sp1.id });
});

test('a second SP (HTTP-POST binding) gets in without a prompt; NameIDs differ per SP', async () => {
  const page = new PageClient(server.url);
  await signInWithPassword(page, await startRedirect(page, sp1), 'ada@example.test', PASSWORD);
  const first = await validate(sp1, page);
  const landed = await startPost(page, sp2);
  expect(landed).toContain('/saml/callback');
  const second = await validate(sp2, page);
  expect(second.relayState).toBe('rs-post');
  expect(second.profile!.nameID).not.toBe(first.profile!.nameID);
});

test('encrypted assertion (AES-GCM, RSA-OAEP): node-saml decrypts it and verifies the assertion and response signatures', async () => {
  const sp = await addSp(server, 'enc', { encrypt: true });
  const page = new PageClient(server.url);
  await signInWithPassword(page, await startRedirect(page, sp), 'ada@example.test', PASSWORD);
  const { profile, xml } = await validate(sp, page);
  expect(xml).toContain('<saml:EncryptedAssertion');
  expect(xml).toContain('http://www.w3.org/2009/xmlenc11#aes256-gcm');
  expect(xml).toContain('http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p');
  expect(xml).not.toContain('ada@example.test');
  expect(profile!.email).toBe('ada@example.test');
});

test.each([
  ['response', { wantAssertionsSigned: false, wantAuthnResponseSigned: true }, 1],
  ['assertion', { wantAssertionsSigned: true, wantAuthnResponseSigned: false }, 1],
] as const)('sign: %s — only that part carries a signature, and node-saml accepts it', async (sign, config, signatures) => {
  const sp = await addSp(server, `sign-${sign}`, { settings: { sign }, config });
  const page = new PageClient(server.url);
  await signInWithPassword(page, await startRedirect(page, sp), 'ada@example.test', PASSWORD);
  const { profile, xml } = await validate(sp, page);
  expect((xml.match(/<ds:Signature /g) ?? []).length).toBe(signatures);
  const assertionSigned = /<saml:Assertion[^>]*>(?:(?!<\/saml:Assertion>)[\s\S])*<ds:Signature /.test(xml);
  expect(assertionSigned).toBe(sign === 'assertion');
  expect(profile!.email).toBe('ada@example.test');
});

test('IsPassive without a Wayfinder session: a NoPassive response, no sign-in page', async () => {
  const passive = new PageClient(server.url);
  const sp = await addSp(server, 'passive', { config: { passive: true } });
  const end = await startRedirect(passive, sp);
  expect(end).toContain('/saml/callback');
  const xml = postedXml(passive);
  expect(xml).toContain('urn:oasis:names:tc:SAML:2.0:status:NoPassive');
  expect(xml).not.toContain('<saml:Assertion');
  // node-saml verifies the signed response and reports "not signed in" (no profile) for NoPassive.
  await expect(sp.saml.validatePostResponseAsync(postedForm(passive).fields)).resolves.toEqual({ profile: null, loggedOut: false });
});

test('ForceAuthn: a person with a session is asked to sign in again', async () => {
  const page = new PageClient(server.url);
  await signInWithPassword(page, await startRedirect(page, sp1), 'ada@example.test', PASSWORD);
  await validate(sp1, page);
  const forced = await addSp(server, 'forced', { config: { forceAuthn: true } });
  const landed = await startRedirect(page, forced);
  expect(landed).toContain('/interaction/');
  await signInWithPassword(page, landed, 'ada@example.test', PASSWORD);
  expect((await validate(forced, page)).profile!.email).toBe('ada@example.test');
});

test('IdP-initiated: only for an SP that allows it, through the sign-in; refused otherwise with a page and an audit event', async () => {
  const sp = await addSp(server, 'launched', {
    settings: { allow_idp_initiated: true },
    config: { validateInResponseTo: 'ifPresent' as never },
  });
  const page = new PageClient(server.url);
  const landed = await page.get(`/saml/launch/${sp.id}?RelayState=%2Fhome`);
  expect(landed).toContain('/interaction/');
  await signInWithPassword(page, landed, 'ada@example.test', PASSWORD);
  const { profile, relayState, xml } = await validate(sp, page);
  expect(profile!.email).toBe('ada@example.test');
  expect(relayState).toBe('/home');
  expect(xml).not.toContain('InResponseTo');

  await page.get(`/saml/launch/${sp1.id}`);
  expect(page.last.status).toBe(403);
  expect(page.title()).toBeTruthy();
  expect(page.last.body).toContain('Signing in to this app has to start at the app itself.');
  const [event] = await server.services.audit.recent({ type: 'saml.refused' });
  expect(event).toMatchObject({ outcome: 'failure', client_id: sp1.id });
  expect(event.data).toMatchObject({ reason: 'saml_idp_initiated_disabled' });
});

test('persistent NameID survives an email change; emailAddress format follows it', async () => {
  const user = await server.services.users.create({ email: 'grace@example.test', password: PASSWORD, name: 'Grace', email_verified: true });
  const byEmail = await addSp(server, 'byemail', {
    settings: { nameid_format: 'emailAddress' },
    config: { identifierFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress' },
  });
  const signInAt = async (sp: TestSp, email: string) => {
    const page = new PageClient(server.url);
    await signInWithPassword(page, await startRedirect(page, sp), email, PASSWORD);
    return (await validate(sp, page)).profile!;
  };
  const before = await signInAt(sp1, 'grace@example.test');
  expect((await signInAt(byEmail, 'grace@example.test')).nameID).toBe('grace@example.test');
  await server.services.accounts.updateUser(user.id, { email: 'grace.hopper@example.test' });
  const after = await signInAt(sp1, 'grace.hopper@example.test');
  expect(after.nameID).toBe(before.nameID);
  expect(after.email).toBe('grace.hopper@example.test');
  expect((await signInAt(byEmail, 'grace.hopper@example.test')).nameID).toBe('grace.hopper@example.test');
});
