/**
 * Defect 15 (hardening issue): a trusted device ("don't ask again") must not skip the re-enrolment a
 * policy change demands. Changing a policy's primary method resets the members' factors and forgets
 * their trusted devices; and the two-step rule asks for what is missing before it honours one.
 */
import { PageClient, signInWithPassword } from '../helpers/browser.js';
import { discover, oidc, REDIRECT_URI } from '../helpers/rp.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { readState, runAuthenticator, tempStateFile } from '../helpers/authenticator.js';
import { setTwoStepPolicy } from '../../src/factors/admin.js';
import { PASSWORD, uniqueEmail } from '../helpers/sign-in.js';

let server: TestServer;
const unescape = (s: string) =>
  s
    .replace(/&amp;/g, '&')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"');
const policy = (primary: string) => ({ required: 'all' as const, primary_method: primary, trusted_device_days: 30, group_names: [] });

beforeAll(async () => {
  server = await startTestServer();
  await server.services.clients.upsert({
    client_id: 'app',
    client_secret: 'app-secret-value',
    redirect_uris: [REDIRECT_URI],
    grant_types: ['authorization_code'],
    first_party: true,
  });
});
afterAll(() => server?.close());

/**
 * Signs in at the app in `page` with the password (prompt=login: a new sign-in even when the browser has a
 * session; its trusted-device cookie stays); returns where it ended.
 */
async function signIn(page: PageClient, email: string) {
  const config = await discover(server.url, 'app', 'app-secret-value');
  const verifier = oidc.randomPKCECodeVerifier();
  const challenge = await oidc.calculatePKCECodeChallenge(verifier);
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    prompt: 'login',
  });
  const interaction = await page.get(url.toString());
  const at = await signInWithPassword(page, interaction, email, PASSWORD);
  return { at, uid: new URL(interaction).pathname.split('/')[2] };
}

/** An organization requiring push; its member pairs a phone with "don't ask again" in `page`. */
async function pairedWithTrust(page: PageClient, slug: string) {
  const orgId = await server.services.orgs.upsert({ id: `org-${slug}`, slug, name: slug });
  await setTwoStepPolicy(server.features.factorStore, orgId, policy('push'));
  const user = await server.services.users.create({ email: uniqueEmail(slug), password: PASSWORD, email_verified: true });
  await server.services.orgs.addMember(orgId, user.id, 'member');
  const { uid } = await signIn(page, user.email);
  expect(page.title()).toBe('Pair your phone for sign-in approvals');
  const link = unescape(/id="pairing-link">([^<]+)</.exec(page.last.body)![1]);
  const stateFile = tempStateFile();
  expect(await runAuthenticator(['pair', link, '--name', 'Test phone', '--state', stateFile])).toMatchObject({ code: 0 });
  expect(readState(stateFile).deviceId).toBeTruthy();
  await page.get(`/interaction/${uid}/factor`);
  await page.post(`/interaction/${uid}/factor/push/enrol`, { trust: 'yes' });
  expect((await page.post(`/interaction/${uid}/factor/continue`, {})).startsWith(REDIRECT_URI)).toBe(true);
  expect(await server.features.trusted.list(user.id)).toHaveLength(1);
  // The trusted device is honoured while nothing changed: the password alone signs in.
  const again = await signIn(page, user.email);
  expect(again.at.startsWith(REDIRECT_URI)).toBe(true);
  return { orgId, user };
}

test('changing the primary method resets the factors and forgets the trusted devices: the same browser re-enrols', async () => {
  const page = new PageClient(server.url);
  const { orgId, user } = await pairedWithTrust(page, 'reset-trust');
  expect(await setTwoStepPolicy(server.features.factorStore, orgId, policy('totp'))).toEqual({ reset: 1 });
  expect(await server.features.trusted.list(user.id)).toHaveLength(0);

  const { at, uid } = await signIn(page, user.email);
  expect(at).toContain(`/interaction/${uid}/factor`); // not back at the app with amr ["pwd"]
  expect(page.title()).toBe('Set up two-step verification');
  const ended = await server.services.audit.recent({ userId: user.id, type: 'login.success', limit: 10 });
  expect(ended).toHaveLength(2); // the pairing and the trusted sign-in before the change; none since
});

test('a trusted device is honoured only once nothing is missing: a person left without a factor enrols', async () => {
  const page = new PageClient(server.url);
  const { user } = await pairedWithTrust(page, 'missing-factor');
  // The factor disappears without a reset (the trusted device stays).
  await server.testDb.database.db.deleteFrom('user_factors').where('user_id', '=', user.id).execute();
  expect(await server.features.trusted.list(user.id)).toHaveLength(1);

  const { at, uid } = await signIn(page, user.email);
  expect(at).toContain(`/interaction/${uid}/factor`);
  expect(page.title()).toBe('Pair your phone for sign-in approvals');
});
