/**
 * A SAML sign-in walks the same journey and policy gate as an OIDC one: when the organization
 * requires two-step verification, the SAML request waits through the password and the second factor,
 * nothing reaches the SP before both passed, and the assertion says so (multi-factor
 * AuthnContextClassRef); a password-only person gets PasswordProtectedTransport.
 */
import { generate } from 'otplib';
import { PageClient, signInWithPassword } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { addSp, postedForm, postedXml, type TestSp } from '../helpers/saml-sp.js';
import { setTwoStepPolicy } from '../../src/factors/admin.js';

const PASSWORD = 'two step password 2026';
let server: TestServer;
let sp: TestSp;

beforeAll(async () => {
  server = await startTestServer();
  const orgId = await server.services.orgs.upsert({ id: 'org-acme', slug: 'acme', name: 'Acme' });
  const user = await server.services.users.create({ email: 'tara@acme.test', password: PASSWORD, email_verified: true });
  await server.services.orgs.addMember(orgId, user.id, 'member');
  await server.services.users.create({ email: 'pat@example.test', password: PASSWORD, email_verified: true });
  await setTwoStepPolicy(server.features.factorStore, 'org-acme', {
    required: 'all',
    primary_method: 'totp',
    trusted_device_days: 30,
    group_names: [],
  });
  sp = await addSp(server, 'mfa');
});
afterAll(() => server?.close());

test('two-step verification inside a SAML sign-in: no response before the factor; multi-factor context after', async () => {
  const page = new PageClient(server.url);
  const interaction = await page.get(await sp.saml.getAuthorizeUrlAsync('', undefined, {}));
  const uid = new URL(interaction).pathname.split('/')[2];
  const afterPassword = await signInWithPassword(page, interaction, 'tara@acme.test', PASSWORD);
  expect(afterPassword).toContain(`/interaction/${uid}/factor`);
  expect(page.last.body).not.toContain('SAMLResponse');
  const secret = /<code>([A-Z2-7 ]{16,})<\/code>/.exec(page.last.body)![1].replace(/ /g, '');
  await page.post(`/interaction/${uid}/factor/totp/enrol`, { code: await generate({ secret }) });
  await page.post(`/interaction/${uid}/factor/continue`, {});
  const xml = postedXml(page);
  expect(xml).toContain('<saml:AuthnContextClassRef>https://refeds.org/profile/mfa</saml:AuthnContextClassRef>');
  const { profile } = await sp.saml.validatePostResponseAsync(postedForm(page).fields);
  expect(profile!.email).toBe('tara@acme.test');
});

test('a password-only sign-in says PasswordProtectedTransport', async () => {
  const page = new PageClient(server.url);
  await signInWithPassword(page, await page.get(await sp.saml.getAuthorizeUrlAsync('', undefined, {})), 'pat@example.test', PASSWORD);
  expect(postedXml(page)).toContain(
    '<saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef>',
  );
});
