/**
 * Two-step verification end to end: policy-required enrolment inside the sign-in (TOTP with codes
 * computed here), recovery codes shown once and working once, replayed TOTP refused, trusted device
 * skips the prompt until revoked, policy change resets enrolments, step-up with acr_values, and the
 * regression that nothing (no session, no code) exists before the second factor passed.
 */
import { generate } from 'otplib';
import { PageClient, signInWithPassword } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { discover, oidc, REDIRECT_URI } from '../helpers/rp.js';
import { setTwoStepPolicy } from '../../src/factors/admin.js';

let server: TestServer;
const PASSWORD = 'two step password 2026';

beforeAll(async () => {
  server = await startTestServer();
  const s = server.services;
  const orgId = await s.orgs.upsert({ id: 'org-acme', slug: 'acme', name: 'Acme' });
  for (const email of ['tara@acme.test', 'uma@acme.test', 'vic@acme.test']) {
    const u = await s.users.create({ email, password: PASSWORD, email_verified: true });
    await s.orgs.addMember(orgId, u.id, 'member');
  }
  await setTwoStepPolicy(server.features.factorStore, 'org-acme', {
    required: 'all',
    primary_method: 'totp',
    trusted_device_days: 30,
    group_names: [],
  });
  await s.clients.upsert({
    client_id: 'app',
    client_secret: 'app-secret-value',
    redirect_uris: [REDIRECT_URI],
    grant_types: ['authorization_code', 'refresh_token'],
    first_party: true,
  });
});
afterAll(() => server?.close());

async function start(page: PageClient, extra: Record<string, string> = {}) {
  const config = await discover(server.url, 'app', 'app-secret-value');
  const verifier = oidc.randomPKCECodeVerifier();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    ...extra,
  });
  return { config, verifier, interaction: await page.get(url.toString()) };
}

const secretOn = (html: string) => /<code>([A-Z2-7 ]{16,})<\/code>/.exec(html)![1].replace(/ /g, '');
const codeAt = (secret: string, offsetSteps = 0): Promise<string> =>
  generate({ secret, epoch: Math.floor(Date.now() / 1000) + offsetSteps * 30 });

test('policy requires enrolment inside the sign-in; nothing is issued before the factor passes (regression)', async () => {
  const page = new PageClient(server.url);
  const { config, verifier, interaction } = await start(page);
  const uid = new URL(interaction).pathname.split('/')[2];
  const afterPassword = await signInWithPassword(page, interaction, 'tara@acme.test', PASSWORD);
  expect(afterPassword).toContain(`/interaction/${uid}/factor`);
  expect(page.title()).toMatch(/Set up two-step verification/);
  // Regression: password alone yields no session cookie and no authorization code.
  expect(page.cookie('wf_session')).toBeUndefined();
  const rows = await server.testDb.database.db
    .selectFrom('oidc_models')
    .select('kind')
    .where('kind', 'in', ['Session', 'AuthorizationCode'])
    .where('account_id', 'is not', null)
    .execute();
  expect(rows.filter((r) => r.kind === 'AuthorizationCode')).toHaveLength(0);
  await page.get(`/interaction/${uid}/factor`);
  const secret = secretOn(page.last.body);
  await page.post(`/interaction/${uid}/factor/totp/enrol`, { code: '000000' === (await codeAt(secret)) ? '111111' : '000000' });
  expect(page.last.status).toBe(400);
  const enrolCode = await codeAt(secret);
  await page.post(`/interaction/${uid}/factor/totp/enrol`, { code: enrolCode });
  expect(page.title()).toMatch(/recovery codes/i);
  const codes = [...page.last.body.matchAll(/<li><code>([a-z0-9-]{11})<\/code><\/li>/g)].map((m) => m[1]);
  expect(codes).toHaveLength(10);
  const back = await page.post(`/interaction/${uid}/factor/continue`, {});
  expect(back.startsWith(REDIRECT_URI)).toBe(true);
  const tokens = await oidc.authorizationCodeGrant(config, new URL(back), {
    pkceCodeVerifier: verifier,
    idTokenExpected: true,
    expectedState: oidc.skipStateCheck,
  });
  expect(tokens.claims()!.amr).toEqual(expect.arrayContaining(['pwd', 'otp', 'mfa']));
  expect(tokens.claims()!.acr).toBe('urn:wayfinder:acr:mfa');

  // A second sign-in asks for the code; the code just used is refused (replay), a fresh step works.
  const page2 = new PageClient(server.url);
  const second = await start(page2);
  const uid2 = new URL(second.interaction).pathname.split('/')[2];
  await signInWithPassword(page2, second.interaction, 'tara@acme.test', PASSWORD);
  expect(page2.title()).toMatch(/authenticator app/);
  // The very code accepted at enrolment (not recomputed: a 30-second boundary may have passed since).
  await page2.post(`/interaction/${uid2}/factor/totp/verify`, { code: enrolCode });
  expect(page2.last.body).toMatch(/already used/);
  const done = await page2.post(`/interaction/${uid2}/factor/totp/verify`, { code: await codeAt(secret, 1) });
  expect(done.startsWith(REDIRECT_URI)).toBe(true);

  // A recovery code works once.
  for (const [i, expectOk] of [
    [0, true],
    [0, false],
  ] as const) {
    const p = new PageClient(server.url);
    const r = await start(p);
    const u = new URL(r.interaction).pathname.split('/')[2];
    await signInWithPassword(p, r.interaction, 'tara@acme.test', PASSWORD);
    const end = await p.post(`/interaction/${u}/factor/recovery/verify`, { code: codes[i] });
    expect(end.startsWith(REDIRECT_URI)).toBe(expectOk);
  }
});

test('resuming the authorization after the password alone gives no code (regression)', async () => {
  const page = new PageClient(server.url);
  const { interaction } = await start(page);
  const uid = new URL(interaction).pathname.split('/')[2];
  await signInWithPassword(page, interaction, 'tara@acme.test', PASSWORD);
  const resumed = await page.request(`/auth/${uid}`);
  expect(resumed.headers.get('location') ?? '').not.toContain('code=');
  expect(page.cookie('wf_session')).toBeUndefined();
});

test('a trusted device skips the prompt until it is revoked', async () => {
  const page = new PageClient(server.url);
  const first = await start(page);
  const uid = new URL(first.interaction).pathname.split('/')[2];
  await signInWithPassword(page, first.interaction, 'uma@acme.test', PASSWORD);
  const secret = secretOn(page.last.body);
  // The form asks for a year; the organization allows 30 days, and that is what it gets (regression).
  await page.post(`/interaction/${uid}/factor/totp/enrol`, { code: await codeAt(secret), trust: 'yes', trust_days: '365' });
  await page.post(`/interaction/${uid}/factor/continue`, {});
  const devices = await server.features.trusted.list((await server.services.accounts.findUserByEmail('uma@acme.test'))!.id);
  expect(devices).toHaveLength(1);
  expect(devices[0].expires_at.getTime() - Date.now()).toBeLessThan(30 * 86400e3 + 60e3);

  // A new sign-in on the same browser (its session ended, the trust cookie kept): password only.
  const sameBrowser = () => {
    const p = new PageClient(server.url);
    (p as any).cookies.set('wf_trust', page.cookie('wf_trust'));
    (p as any).cookies.set('wf_trust.sig', page.cookie('wf_trust.sig'));
    return p;
  };
  const trustedPage = sameBrowser();
  const again = await start(trustedPage);
  const end = await signInWithPassword(trustedPage, again.interaction, 'uma@acme.test', PASSWORD);
  expect(end.startsWith(REDIRECT_URI)).toBe(true);

  await server.features.trusted.revoke(devices[0].user_id, devices[0].id);
  const revokedPage = sameBrowser();
  const third = await start(revokedPage);
  const stopped = await signInWithPassword(revokedPage, third.interaction, 'uma@acme.test', PASSWORD);
  expect(stopped).toContain('/factor');
});

test('changing the primary method resets enrolments: the member re-enrols at the next sign-in', async () => {
  const page = new PageClient(server.url);
  const first = await start(page);
  const uid = new URL(first.interaction).pathname.split('/')[2];
  await signInWithPassword(page, first.interaction, 'vic@acme.test', PASSWORD);
  await page.post(`/interaction/${uid}/factor/totp/enrol`, { code: await codeAt(secretOn(page.last.body)) });
  await page.post(`/interaction/${uid}/factor/continue`, {});

  await setTwoStepPolicy(server.features.factorStore, 'org-acme', {
    required: 'all',
    primary_method: 'email',
    trusted_device_days: 30,
    group_names: [],
  });
  const p2 = new PageClient(server.url);
  const second = await start(p2);
  await signInWithPassword(p2, second.interaction, 'vic@acme.test', PASSWORD);
  expect(p2.title()).toMatch(/Set up email codes/);
  expect(p2.last.body).toMatch(/changed how you verify/);
  await setTwoStepPolicy(server.features.factorStore, 'org-acme', {
    required: 'all',
    primary_method: 'totp',
    trusted_device_days: 30,
    group_names: [],
  });
});

test('step-up: acr_values asking for multi-factor prompts a signed-in person for the second factor only', async () => {
  const s = server.services;
  await s.users.create({ email: 'walt@solo.test', password: PASSWORD, email_verified: true });
  const page = new PageClient(server.url);
  const first = await start(page);
  expect((await signInWithPassword(page, first.interaction, 'walt@solo.test', PASSWORD)).startsWith(REDIRECT_URI)).toBe(true);
  const up = await start(page, { acr_values: 'urn:wayfinder:acr:mfa' });
  expect(up.interaction).toContain('/interaction/');
  expect(page.title()).toMatch(/Set up two-step verification/); // no factor yet: enrol, without asking the password again
  expect(page.last.body).not.toContain('name="password"');
});

test('My account lists factors and trusted devices; adds TOTP with recovery codes; revokes a device', async () => {
  const s = server.services;
  await s.users.create({ email: 'xena@solo.test', password: PASSWORD, email_verified: true });
  const page = new PageClient(server.url);
  const { interaction } = await start(page);
  await signInWithPassword(page, interaction, 'xena@solo.test', PASSWORD, { remember: true });
  await page.get('/account');
  expect(page.last.body).toMatch(/Two-step verification is off/);
  await page.get('/account/factors/totp/add');
  const secret = secretOn(page.last.body);
  await page.post('/account/factors/totp/add', { code: await codeAt(secret) });
  expect(page.title()).toMatch(/recovery codes/i);
  await page.get('/account');
  expect(page.last.body).toMatch(/Recovery codes left: 10/);
  expect(page.last.body).toContain('/remove');
  // Enrolled of their own accord: the next sign-in asks for the code.
  const p2 = new PageClient(server.url);
  const next = await start(p2);
  expect(await signInWithPassword(p2, next.interaction, 'xena@solo.test', PASSWORD)).toContain('/factor');
});

test('when a second factor is asked, the password success is audited and the sign-in is not, yet (regression)', async () => {
  const s = server.services;
  const yuri = await s.users.create({ email: 'yuri@acme.test', password: PASSWORD, email_verified: true });
  await s.orgs.addMember('org-acme', yuri.id, 'member');
  const page = new PageClient(server.url);
  const { interaction } = await start(page);
  expect(await signInWithPassword(page, interaction, 'yuri@acme.test', PASSWORD)).toContain('/factor');
  const events = await s.audit.recent({ userId: yuri.id });
  expect(events.map((e) => [e.type, e.outcome])).toEqual([['login.password', 'success']]);
  expect(events[0]).toEqual(expect.objectContaining({ client_id: 'app', request_id: expect.any(String) }));
});
