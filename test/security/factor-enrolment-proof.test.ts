/**
 * Defect 14 (hardening issue): a password alone must never add a second factor that then stands in
 * for the enrolled one. A person whose only factor is SMS codes, asked for the multi-factor class,
 * proves the SMS code before "Set up two-step verification" is offered; My account's add-factor pages
 * ask a session that never passed a factor to verify first (a step-up sign-in).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { generate } from 'otplib';
import { PageClient, signInWithPassword } from '../helpers/browser.js';
import { discover, oidc, REDIRECT_URI } from '../helpers/rp.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { openMyAccount, PASSWORD, uniqueEmail } from '../helpers/sign-in.js';

/** A Twilio-compatible Messages endpoint keeping the texts it was asked to send. */
async function startSmsProvider() {
  const texts: string[] = [];
  const srv = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      texts.push(new URLSearchParams(body).get('Body') ?? '');
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ sid: `SM${texts.length}`, status: 'queued' }));
    });
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`, texts, close: () => new Promise((r) => srv.close(r)) };
}

let provider: Awaited<ReturnType<typeof startSmsProvider>>;
let server: TestServer;
const MFA = 'urn:wayfinder:acr:mfa';

beforeAll(async () => {
  provider = await startSmsProvider();
  const sms = { provider: 'twilio', baseUrl: provider.url, accountSid: 'AC00000000000000000000000000000001', authToken: 'provider-token' };
  server = await startTestServer({ sms: { ...sms, from: '+15005550006', dailyCap: 1000 } });
  await server.services.clients.upsert({
    client_id: 'app',
    client_secret: 'app-secret-value',
    redirect_uris: [REDIRECT_URI],
    grant_types: ['authorization_code'],
    first_party: true,
  });
});
afterAll(async () => {
  await server?.close();
  await provider?.close();
});

const lastCode = () => /(\d{6}) is your Wayfinder verification code/.exec(provider.texts.at(-1) ?? '')?.[1] ?? '';
const sealedNumber = () => server.services.box.seal('+33612345678', 'factor-secret');
const secretOn = (html: string) => /<code>([A-Z2-7 ]{16,})<\/code>/.exec(html)![1].replace(/ /g, '');

/** A person in no organization whose only factor is SMS codes (as if enrolled earlier). */
async function smsPerson(name: string) {
  const user = await server.services.users.create({ email: uniqueEmail(name), password: PASSWORD, email_verified: true });
  await server.features.factorStore.insertFactor({
    user_id: user.id,
    kind: 'sms',
    label: '+33 • •• •• •• 78',
    secret_enc: sealedNumber(),
    confirmed: true,
  });
  return user;
}

async function start(page: PageClient, extra: Record<string, string> = {}) {
  const config = await discover(server.url, 'app', 'app-secret-value');
  const verifier = oidc.randomPKCECodeVerifier();
  const challenge = await oidc.calculatePKCECodeChallenge(verifier);
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...extra,
  });
  const interaction = await page.get(url.toString());
  return { config, verifier, interaction, uid: new URL(interaction).pathname.split('/')[2] };
}

const kinds = async (userId: string) =>
  (await server.features.factorStore.factorsOf(userId))
    .filter((f) => f.confirmed_at)
    .map((f) => f.kind)
    .sort();

test('a step-up with the password alone cannot enrol an authenticator app: the SMS code is proved first', async () => {
  const user = await smsPerson('sms-only');
  const page = new PageClient(server.url);
  const { config, verifier, interaction, uid } = await start(page, { acr_values: MFA });
  await signInWithPassword(page, interaction, user.email, PASSWORD);
  expect(page.title()).toBe('Check your phone'); // not "Set up two-step verification"
  expect(provider.texts).toHaveLength(1);
  // Asking for the enrolment page or posting an enrolment directly changes nothing.
  await page.get(`/interaction/${uid}/factor?method=totp`);
  expect(page.title()).toBe('Check your phone');
  await page.post(`/interaction/${uid}/factor/totp/enrol`, { code: '123456' });
  expect(page.last.status).toBe(400);
  expect(await kinds(user.id)).toEqual(['sms']);
  expect(page.cookie('wf_session')).toBeUndefined();

  // With the SMS code proved, the stronger method the step-up needs can be set up.
  await page.get(`/interaction/${uid}/factor`);
  await page.post(`/interaction/${uid}/factor/sms/verify`, { code: lastCode() });
  expect(page.title()).toBe('Set up two-step verification');
  const secret = secretOn(page.last.body);
  await page.post(`/interaction/${uid}/factor/totp/enrol`, { code: await generate({ secret }) });
  const back = await page.post(`/interaction/${uid}/factor/continue`, {});
  expect(back.startsWith(REDIRECT_URI)).toBe(true);
  const tokens = await oidc.authorizationCodeGrant(config, new URL(back), {
    pkceCodeVerifier: verifier,
    idTokenExpected: true,
    expectedState: oidc.skipStateCheck,
  });
  expect(tokens.claims()!.amr).toEqual(expect.arrayContaining(['pwd', 'sms', 'otp', 'mfa']));
  expect(tokens.claims()!.acr).toBe(MFA);
  expect(await kinds(user.id)).toEqual(['sms', 'totp']);
});

test("My account's add-factor pages ask a session that passed no factor to verify one first", async () => {
  // Signed in to My account with the password alone (before the factor existed)...
  const user = await server.services.users.create({ email: uniqueEmail('late-factor'), password: PASSWORD, email_verified: true });
  const page = new PageClient(server.url);
  await openMyAccount(page, user.email);
  expect(page.title()).toBe('My account');
  // ...then an SMS factor is enrolled (elsewhere): this session never proved it.
  await server.features.factorStore.insertFactor({
    user_id: user.id,
    kind: 'sms',
    label: '+33 • •• •• •• 78',
    secret_enc: sealedNumber(),
    confirmed: true,
  });
  await page.get('/account');
  const csrf = page.csrf();
  const at = await page.get('/account/factors/totp/add');
  expect(at).toContain('/interaction/'); // a step-up sign-in, not the enrolment page
  expect(page.title()).toBe('Check your phone');
  const posted = await page.post('/account/factors/totp/add', { code: '123456' }, { csrf });
  expect([page.last.status, posted]).toEqual([403, expect.stringContaining('/account/factors/totp/add')]);
  expect(await kinds(user.id)).toEqual(['sms']);
});
