/**
 * Company ID over SAML 2.0, end to end, against a company IdP built with other parts (responses
 * signed with @node-saml/node-saml's helper): Wayfinder's SP metadata at its stable URL; email →
 * AuthnRequest (persistent NameID, our ACS, RelayState) → response → the app gets tokens; JIT with
 * mapped attributes; the IdP's MFA (AuthnContextClassRef) trusted; a stable-ID attribute as the
 * subject; metadata from a URL refreshed with the last good copy kept; unsolicited responses
 * refused by default and, when allowed, continued into My account; an IdP error as a page.
 */
import { PageClient } from '../helpers/browser.js';
import { newKey, TRANSIENT } from '../helpers/company-saml-idp.js';
import { postToAcs, SAML_CONNECTION, samlSignIn, startSamlCompany, toIdp, type SamlCompany } from '../helpers/company-saml.js';
import { auditTypes, pageText, redeem } from '../helpers/sign-in.js';
import { REDIRECT_URI } from '../helpers/rp.js';

let c: SamlCompany;

beforeAll(async () => {
  c = await startSamlCompany({ mfa_trust: 'trust' });
});
afterAll(() => c?.close());

const linkOf = async (email: string) => {
  const user = await c.server.services.accounts.findUserByEmail(email);
  return user && c.server.testDb.database.db.selectFrom('linked_identities').selectAll().where('user_id', '=', user.id).execute();
};

test('Wayfinder publishes SP metadata for the connection at its entity ID: ACS, persistent NameID, signed assertions wanted', async () => {
  const res = await fetch(c.spEntityId);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('application/samlmetadata+xml');
  const xml = await res.text();
  expect(xml).toContain(`entityID="${c.spEntityId}"`);
  expect(xml).toMatch(/WantAssertionsSigned="true"/);
  expect(xml).toContain(`Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${c.acs}"`);
  expect(xml).toContain('urn:oasis:names:tc:SAML:2.0:nameid-format:persistent');
  expect((await fetch(`${c.server.url}/sso/saml/no-such-connection/metadata`)).status).toBe(404);
});

test('email → company SAML IdP → back → the app gets tokens; the first sign-in creates the account with mapped attributes', async () => {
  const page = new PageClient(c.server.url);
  const { a, request } = await toIdp(c, page, 'grace@fabrikam.test');
  expect(request.acs).toBe(c.acs);
  expect(request.issuer).toBe(c.spEntityId);
  expect(request.nameIdFormat).toBe('urn:oasis:names:tc:SAML:2.0:nameid-format:persistent');
  expect(request.relayState).toBeTruthy();
  const response = c.idp.response({
    acs: c.acs,
    audience: c.spEntityId,
    inResponseTo: request.id,
    nameId: 'fabrikam-7f3a',
    attributes: {
      'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress': ['Grace@Fabrikam.test'],
      givenName: ['Grace'],
      sn: ['Hopper'],
      displayName: ['Grace Hopper'],
    },
  });
  const end = await postToAcs(c, page, response, request.relayState);
  expect(end.startsWith(REDIRECT_URI)).toBe(true);
  const claims = (await redeem(c.app, end, a)).claims()!;
  const user = (await c.server.services.accounts.findUserByEmail('grace@fabrikam.test'))!;
  expect(claims.sub).toBe(user.id);
  expect(claims.amr).toEqual(['fed']);
  expect([user.name, user.given_name, user.family_name]).toEqual(['Grace Hopper', 'Grace', 'Hopper']);
  expect((await linkOf('grace@fabrikam.test'))!.map((l) => [l.connection_id, l.subject])).toEqual([[SAML_CONNECTION, 'fabrikam-7f3a']]);
});

test("the IdP's MFA (AuthnContextClassRef) counts as the second factor when the connection trusts it", async () => {
  const page = new PageClient(c.server.url);
  const { a, end } = await samlSignIn(c, page, 'heidi@fabrikam.test', { authnContext: 'https://refeds.org/profile/mfa' });
  const claims = (await redeem(c.app, end, a)).claims()!;
  expect(claims.amr).toEqual(['fed', 'mfa']);
  expect(claims.acr).toBe('urn:wayfinder:acr:mfa');
});

test('a stable-ID attribute can be the subject (a transient NameID then does not matter); without it a transient NameID is refused', async () => {
  const page = new PageClient(c.server.url);
  await samlSignIn(c, page, 'ivan@fabrikam.test', { nameIdFormat: TRANSIENT, nameId: '_transient-1' });
  expect(page.last.status).toBe(400);
  expect(pageText(page.last.body)).toContain('did not say who you are');

  await c.configure({ mfa_trust: 'trust', subject_attribute: 'employeeNumber' });
  try {
    for (const nameId of ['_transient-2', '_transient-3']) {
      const p = new PageClient(c.server.url);
      const { end } = await samlSignIn(c, p, 'ivan@fabrikam.test', {
        nameIdFormat: TRANSIENT,
        nameId,
        attributes: { email: ['ivan@fabrikam.test'], employeeNumber: ['E-1042'] },
      });
      expect(end.startsWith(REDIRECT_URI)).toBe(true);
    }
    expect((await linkOf('ivan@fabrikam.test'))!.map((l) => l.subject)).toEqual(['E-1042']);
  } finally {
    await c.configure({ mfa_trust: 'trust' });
  }
});

test('an error status from the IdP is a page that says what happened, and an audit event', async () => {
  const page = new PageClient(c.server.url);
  await samlSignIn(c, page, 'judy@fabrikam.test', { status: 'urn:oasis:names:tc:SAML:2.0:status:Responder', sign: 'none' });
  expect(page.last.status).toBe(400);
  expect(pageText(page.last.body)).toContain("Your company's identity provider did not sign you in.");
  const [event] = await auditTypes(c.server, { type: 'sso.failed' });
  expect(event.data).toMatchObject({ reason: 'idp_error', connectionId: SAML_CONNECTION });
});

test('unsolicited responses are refused unless the connection allows them; allowed, they continue into My account', async () => {
  const unsolicited = () =>
    c.idp.response({ acs: c.acs, audience: c.spEntityId, nameId: 'ken-1', attributes: { email: ['ken@fabrikam.test'] } });
  const refused = new PageClient(c.server.url);
  await postToAcs(c, refused, unsolicited());
  expect(refused.last.status).toBe(400);
  expect(pageText(refused.last.body)).toContain('sent a sign-in that no app asked for');
  expect(await c.server.services.accounts.findUserByEmail('ken@fabrikam.test')).toBeUndefined();

  await c.configure({ mfa_trust: 'trust', allow_unsolicited: true });
  try {
    const page = new PageClient(c.server.url);
    const end = await postToAcs(c, page, unsolicited());
    expect(new URL(end).pathname).toBe('/account');
    expect(page.last.status).toBe(200);
    expect(pageText(page.last.body)).toContain('ken@fabrikam.test');
    expect(page.cookie('wf_session')).toBeTruthy();
    // An answer to a request must still answer ours: a response with an InResponseTo is not unsolicited.
    const other = new PageClient(c.server.url);
    await postToAcs(c, other, c.idp.response({ acs: c.acs, audience: c.spEntityId, inResponseTo: '_someone-elses', nameId: 'ken-1' }));
    expect(other.last.status).toBe(400);
  } finally {
    await c.configure({ mfa_trust: 'trust' });
  }
});

test('metadata from a URL: fetched, refreshed (a rollover certificate appears), and a failed refresh keeps the last good copy', async () => {
  const refresher = c.server.features.metadataRefresher;
  await c.configure({ mfa_trust: 'trust', metadata_url: c.idp.metadataUrl }, { metadata: undefined });
  expect((await refresher.refresh(SAML_CONNECTION, c.idp.metadataUrl)).ok).toBe(true);
  const next = await newKey('idp-next.fabrikam.test');
  c.idp.state.published.push({ key: next, use: 'signing' });
  expect((await refresher.refresh(SAML_CONNECTION, c.idp.metadataUrl)).ok).toBe(true);
  const page = new PageClient(c.server.url);
  expect((await samlSignIn(c, page, 'leo@fabrikam.test', { key: next })).end.startsWith(REDIRECT_URI)).toBe(true);

  c.idp.state.metadataOverride = '<not-metadata/>';
  const broken = await refresher.refresh(SAML_CONNECTION, c.idp.metadataUrl);
  expect(broken).toMatchObject({ ok: false, error: expect.stringMatching(/not valid/) });
  c.idp.state.metadataOverride = undefined;
  c.idp.state.metadataDelayMs = 6000;
  const slow = await refresher.refresh(SAML_CONNECTION, c.idp.metadataUrl);
  expect(slow).toMatchObject({ ok: false, error: expect.stringMatching(/did not answer within/) });
  c.idp.state.metadataDelayMs = 0;
  const row = (await c.server.features.connectorStore.findConnection(SAML_CONNECTION))!;
  expect(row.metadata_error).toMatch(/did not answer/);
  expect(row.metadata).toContain(next.body); // the last good copy
  const again = new PageClient(c.server.url);
  expect((await samlSignIn(c, again, 'leo@fabrikam.test', { key: next })).end.startsWith(REDIRECT_URI)).toBe(true);
  c.idp.state.published.pop();
  await c.configure({ mfa_trust: 'trust' });
}, 30_000);
