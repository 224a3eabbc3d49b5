/**
 * Defect 5 (hardening issue): a session must meet today's policy, not the one it was born under.
 * A person signs in with a password; then their organization requires two-step verification. The
 * same browser gets no OIDC code (prompt=none: login_required), no SAML assertion and no My account
 * until the journey has asked for what is now missing; afterwards the session works again.
 */
import { generate } from 'otplib';
import { PageClient, signInWithPassword } from '../helpers/browser.js';
import { discover, oidc, REDIRECT_URI } from '../helpers/rp.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { addSp, postedXml, type TestSp } from '../helpers/saml-sp.js';
import { openMyAccount, PASSWORD, uniqueEmail } from '../helpers/sign-in.js';
import { setTwoStepPolicy } from '../../src/factors/admin.js';

let server: TestServer;
let sp: TestSp;
const TOTP = { required: 'all' as const, primary_method: 'totp', trusted_device_days: 30, group_names: [] };

beforeAll(async () => {
  server = await startTestServer();
  await server.services.clients.upsert({
    client_id: 'app',
    client_secret: 'app-secret-value',
    redirect_uris: [REDIRECT_URI],
    grant_types: ['authorization_code'],
    first_party: true,
  });
  sp = await addSp(server, 'stamp');
});
afterAll(() => server?.close());

/** A member of a new organization without a two-step policy yet. */
async function member(slug: string) {
  const orgId = await server.services.orgs.upsert({ id: `org-${slug}`, slug, name: slug });
  const user = await server.services.users.create({ email: uniqueEmail(slug), password: PASSWORD, email_verified: true });
  await server.services.orgs.addMember(orgId, user.id, 'member');
  return { orgId, user };
}

async function authorize(page: PageClient, extra: Record<string, string> = {}) {
  const config = await discover(server.url, 'app', 'app-secret-value');
  const challenge = await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier());
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...extra,
  });
  return page.get(url.toString());
}

/** Signs in at the app with the password alone (before any policy). */
async function signedIn(email: string) {
  const page = new PageClient(server.url);
  const interaction = await authorize(page);
  expect((await signInWithPassword(page, interaction, email, PASSWORD)).startsWith(REDIRECT_URI)).toBe(true);
  // The session is reused while nothing changed: a code at once.
  expect(new URL(await authorize(page)).searchParams.get('code')).toBeTruthy();
  return page;
}

/** The organization requires two-step verification from now on (after the session's sign-in). */
async function policyAfterSignIn(orgId: string) {
  await setTwoStepPolicy(server.features.factorStore, orgId, TOTP);
}

test('an OIDC authorization reusing the session re-runs the gate: enrolment first, prompt=none gets login_required', async () => {
  const { orgId, user } = await member('oidc-stamp');
  const page = await signedIn(user.email);
  await policyAfterSignIn(orgId);

  const silent = new URL(await authorize(page, { prompt: 'none' }));
  expect([silent.searchParams.get('code'), silent.searchParams.get('error')]).toEqual([null, 'login_required']);
  const at = await authorize(page);
  expect(at).toContain('/interaction/');
  expect(page.title()).toBe('Set up two-step verification');
  const uid = new URL(at).pathname.split('/')[2];
  const secret = /<code>([A-Z2-7 ]{16,})<\/code>/.exec(page.last.body)![1].replace(/ /g, '');
  await page.post(`/interaction/${uid}/factor/totp/enrol`, { code: await generate({ secret }) });
  const back = new URL(await page.post(`/interaction/${uid}/factor/continue`, {}));
  expect(back.searchParams.get('code')).toBeTruthy();
  // The session now meets the policy: reused again without asking.
  expect(new URL(await authorize(page, { prompt: 'none' })).searchParams.get('code')).toBeTruthy();
});

test('a SAML request reusing the session gets no assertion before the factor', async () => {
  const { orgId, user } = await member('saml-stamp');
  const page = await signedIn(user.email);
  await policyAfterSignIn(orgId);
  const at = await page.get(await sp.saml.getAuthorizeUrlAsync('', undefined, {}));
  expect(at).toContain('/interaction/');
  expect(page.last.body).not.toContain('SAMLResponse');
  expect(page.title()).toBe('Set up two-step verification');
  expect(() => postedXml(page)).toThrow();
});

test('My account on a session that predates the policy signs in again through the gate', async () => {
  const { orgId, user } = await member('account-stamp');
  const page = new PageClient(server.url);
  await openMyAccount(page, user.email);
  expect(page.title()).toBe('My account');
  await policyAfterSignIn(orgId);
  const at = await page.get('/account');
  expect(at).toContain('/interaction/');
  expect(page.title()).toBe('Set up two-step verification');
});
