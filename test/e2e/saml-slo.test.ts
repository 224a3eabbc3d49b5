/**
 * SAML single logout end to end with @node-saml/node-saml service providers: a person signed in to
 * two SPs; the first sends a signed LogoutRequest (HTTP-Redirect, then HTTP-POST); Wayfinder ends the
 * Wayfinder session (so its OIDC sessions too), carries a signed LogoutRequest to the second SP, takes
 * its LogoutResponse, and answers the first SP with a signed LogoutResponse. Also: replayed and
 * unsigned logout requests are refused.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { sql } from 'kysely';
import { SAML, ValidateInResponseTo } from '@node-saml/node-saml';
import { signSamlPost } from '@node-saml/node-saml/lib/saml-post-signing.js';
import type { Profile } from '@node-saml/node-saml';
import { PageClient, signInWithPassword } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { addSp, postedForm, spKeys, type TestSp } from '../helpers/saml-sp.js';

const PASSWORD = 'correct horse battery staple';
let server: TestServer;
let sp1: TestSp;
let sp2: TestSp;
let userId: string;

beforeAll(async () => {
  server = await startTestServer();
  userId = (await server.services.users.create({ email: 'ada@example.test', password: PASSWORD, name: 'Ada', email_verified: true })).id;
  sp1 = await addSp(server, 'sp1', { sloRedirect: true });
  sp2 = await addSp(server, 'sp2');
});
afterAll(() => server?.close());

const liveSessions = () =>
  server.testDb.database.db
    .selectFrom('oidc_models')
    .select('id')
    .where('kind', '=', 'Session')
    .where('account_id', '=', userId)
    .where(sql<boolean>`(expires_at is null or expires_at > now())`)
    .execute();

/** Signs in at sp1 (with the password), then at sp2 (no prompt); returns both profiles. */
async function signedInAtBoth(page: PageClient) {
  await signInWithPassword(page, await page.get(await sp1.saml.getAuthorizeUrlAsync('', undefined, {})), 'ada@example.test', PASSWORD);
  const one = await sp1.saml.validatePostResponseAsync(postedForm(page).fields);
  expect(await page.get(await sp2.saml.getAuthorizeUrlAsync('', undefined, {}))).toContain('/saml/callback');
  const two = await sp2.saml.validatePostResponseAsync(postedForm(page).fields);
  return { one: one.profile!, two: two.profile! };
}

/** sp2 takes the LogoutRequest Wayfinder POSTs to it, and answers over HTTP-Redirect. */
async function sp2Answers(page: PageClient, two: Profile) {
  const { action, fields } = postedForm(page);
  expect(action).toBe(sp2.sloUrl);
  const request = await sp2.saml.validatePostRequestAsync(fields);
  expect(request.loggedOut).toBe(true);
  expect(request.profile!.nameID).toBe(two.nameID);
  expect(request.profile!.sessionIndex).toBe(two.sessionIndex);
  return page.get(await sp2.saml.getLogoutResponseUrlAsync(request.profile!, fields.RelayState, {}, true));
}

test("SP-initiated logout over HTTP-Redirect ends the Wayfinder session and the other SP's session", async () => {
  const page = new PageClient(server.url);
  const { one, two } = await signedInAtBoth(page);
  expect((await liveSessions()).length).toBeGreaterThan(0);

  await page.get(await sp1.saml.getLogoutUrlAsync(one, 'after-logout', {}));
  expect(await liveSessions()).toHaveLength(0); // Wayfinder (and so OIDC) session gone before the others are told
  await sp2Answers(page, two);

  // The request came over HTTP-Redirect and sp1 has a Redirect endpoint: the response goes the same way.
  const back = new URL(page.last.location ?? page.last.url);
  expect(`${back.origin}${back.pathname}`).toBe(sp1.sloUrl);
  expect(back.searchParams.get('RelayState')).toBe('after-logout');
  const xml = inflateRawSync(Buffer.from(back.searchParams.get('SAMLResponse')!, 'base64')).toString();
  expect(xml).toContain('urn:oasis:names:tc:SAML:2.0:status:Success');
  expect(xml).not.toContain('PartialLogout');
  await expect(sp1.saml.validateRedirectAsync(Object.fromEntries(back.searchParams), back.search.slice(1))).resolves.toMatchObject({
    loggedOut: true,
  });

  // Signed out: the next sign-in at sp1 asks for the password again.
  expect(await page.get(await sp1.saml.getAuthorizeUrlAsync('', undefined, {}))).toContain('/interaction/');
  const [event] = await server.services.audit.recent({ type: 'saml.logout' });
  expect(event).toMatchObject({ outcome: 'success', client_id: sp1.id });
});

test('SP-initiated logout over HTTP-POST (signed); the same request again is refused', async () => {
  const page = new PageClient(server.url);
  const { one, two } = await signedInAtBoth(page);
  const keys = await spKeys();
  const xml = await (sp1.saml as unknown as { _generateLogoutRequest(p: Profile): Promise<string> })._generateLogoutRequest(one);
  const signed = signSamlPost(xml, "/*[local-name(.)='LogoutRequest']", {
    privateKey: keys.privateKey,
    signatureAlgorithm: 'sha256',
    digestAlgorithm: 'sha256',
  });
  const form = new URLSearchParams({ SAMLRequest: Buffer.from(signed).toString('base64'), RelayState: 'posted' });
  const post = () =>
    page.request('/saml/slo', { method: 'POST', body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } });

  await post();
  expect(page.last.status).toBe(200);
  expect(await liveSessions()).toHaveLength(0);
  await sp2Answers(page, two);
  // A POSTed request gets a POSTed response. node-saml reads InResponseTo from a <Response> only, so
  // it is checked here and node-saml (told not to look for it) checks the signature and issuer.
  const { action, fields } = postedForm(page);
  expect(action).toBe(sp1.sloUrl);
  expect(fields.RelayState).toBe('posted');
  expect(Buffer.from(fields.SAMLResponse, 'base64').toString()).toContain(`InResponseTo="${/ID="([^"]+)"/.exec(xml)![1]}"`);
  const verifier = new SAML({ ...sp1.saml.options, validateInResponseTo: ValidateInResponseTo.never });
  await expect(verifier.validatePostResponseAsync(fields)).resolves.toEqual({ profile: null, loggedOut: true });

  await post();
  expect(page.last.status).toBe(400);
  expect(page.last.body).toContain('This sign-in request was already used.');
});

test('an unsigned LogoutRequest from an SP whose metadata has a signing certificate is refused', async () => {
  const page = new PageClient(server.url);
  const { one } = await signedInAtBoth(page);
  const xml = await (sp1.saml as unknown as { _generateLogoutRequest(p: Profile): Promise<string> })._generateLogoutRequest(one);
  await page.request('/saml/slo', {
    method: 'POST',
    body: new URLSearchParams({ SAMLRequest: Buffer.from(xml).toString('base64') }),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  expect(page.last.status).toBe(400);
  expect(page.last.body).toContain('request could not be verified');
  expect((await liveSessions()).length).toBeGreaterThan(0);
  const [event] = await server.services.audit.recent({ type: 'saml.refused' });
  expect(event.data).toMatchObject({ what: 'slo', reason: 'saml_bad_signature' });
});

test('when another SP reports a failure, the initiating SP is told PartialLogout', async () => {
  const page = new PageClient(server.url);
  const { one } = await signedInAtBoth(page);
  await page.get(await sp1.saml.getLogoutUrlAsync(one, '', {}));
  const { fields } = postedForm(page);
  const request = await sp2.saml.validatePostRequestAsync(fields);
  const answer = new URL(await sp2.saml.getLogoutResponseUrlAsync(request.profile!, fields.RelayState, {}, false));
  // A forged answer (its status changed, the signature kept) is refused and does not end the round.
  const forged = new URL(answer);
  const xml0 = inflateRawSync(Buffer.from(answer.searchParams.get('SAMLResponse')!, 'base64')).toString();
  forged.searchParams.set('SAMLResponse', deflateRawSync(xml0.replace(/status:Requester/, 'status:Responder')).toString('base64'));
  expect(forged.searchParams.get('SAMLResponse')).not.toBe(answer.searchParams.get('SAMLResponse'));
  await page.get(forged.toString());
  expect(page.last.status).toBe(400);
  await page.get(answer.toString());
  if (!page.last.location) throw new Error(`${page.last.status}: ${page.last.body.slice(0, 1500)}`);
  const back = new URL(page.last.location);
  const xml = inflateRawSync(Buffer.from(back.searchParams.get('SAMLResponse')!, 'base64')).toString();
  expect(xml).toContain(
    '<samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:PartialLogout"/>',
  );
  const [event] = await server.services.audit.recent({ type: 'saml.logout' });
  expect(event).toMatchObject({ outcome: 'failure', data: { partial: true } });
});
