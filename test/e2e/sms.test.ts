/**
 * SMS codes end to end, with a local HTTP server standing in for a Twilio-compatible provider: the
 * request it receives (path, Basic auth, To/From/Body with the code), enrolment from My account, sign-in
 * with the texted code (amr 'sms', never acr mfa), the limits against SMS pumping (per account, per
 * number, daily cap; each refusal audited), a provider failure shown on the page, and low assurance
 * refused wherever a policy or a step-up asks for more. Plus the configuration rules of the adapters.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { PageClient, signInWithPassword } from '../helpers/browser.js';
import { discover, oidc, REDIRECT_URI } from '../helpers/rp.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { setTwoStepPolicy } from '../../src/factors/admin.js';
import { loadConfig } from '../../src/config/load.js';

const PASSWORD = 'texting password 2026';
const SID = 'AC00000000000000000000000000000001';
const TOKEN = 'provider-auth-token-value';
const FROM = '+15005550006';

interface ProviderRequest {
  method: string;
  path: string;
  authorization: string;
  contentType: string;
  form: URLSearchParams;
}

/** A Twilio-compatible Messages endpoint that records every request; numbers in `refuse` get a 400. */
async function startProvider() {
  const requests: ProviderRequest[] = [];
  const refuse = new Set<string>();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      const form = new URLSearchParams(body);
      requests.push({
        method: req.method!,
        path: req.url!,
        authorization: req.headers.authorization ?? '',
        contentType: req.headers['content-type'] ?? '',
        form,
      });
      if (refuse.has(form.get('To')!))
        return res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 21211, message: 'invalid To' }));
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ sid: `SM${requests.length}`, status: 'queued' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    refuse,
    close: () => new Promise((r) => server.close(r)),
  };
}

let provider: Awaited<ReturnType<typeof startProvider>>;
let server: TestServer;
let n = 0;

const smsConfig = (dailyCap = 1000) => ({
  sms: { provider: 'twilio', baseUrl: provider.url, accountSid: SID, authToken: TOKEN, from: FROM, dailyCap },
});

beforeAll(async () => {
  provider = await startProvider();
  server = await startTestServer(smsConfig());
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

async function person(s: TestServer = server) {
  const email = `texter${(n += 1)}.${Date.now().toString(36)}@example.test`;
  return s.services.users.create({ email, password: PASSWORD, email_verified: true });
}
const codeIn = (r: ProviderRequest) => /(\d{6}) is your Wayfinder verification code/.exec(r.form.get('Body') ?? '')?.[1];
const lastCode = () => codeIn(provider.requests.at(-1)!)!;
const sentTo = (e164: string) => provider.requests.filter((r) => r.form.get('To') === e164).length;

/** A browser signed in to My account (the sign-in there is an ordinary journey). */
async function myAccount(s: TestServer, email: string) {
  const page = new PageClient(s.url);
  const url = await page.get('/account');
  await signInWithPassword(page, url, email, PASSWORD);
  expect(page.title()).toBe('My account');
  return page;
}

/** Enrols `phone` from My account: number, then the texted code. */
async function enrolSms(page: PageClient, phone: string) {
  await page.get('/account/factors/sms/add');
  await page.post('/account/factors/sms/add', { phone });
  expect(page.last.status).toBe(200);
  await page.post('/account/factors/sms/add', { code: lastCode() });
}

async function startApp(page: PageClient, extra: Record<string, string> = {}) {
  const config = await discover(server.url, 'app', 'app-secret-value');
  const verifier = oidc.randomPKCECodeVerifier();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    ...extra,
  });
  const interaction = await page.get(url.toString());
  return { config, verifier, interaction, uid: new URL(interaction, server.url).pathname.split('/')[2] };
}

/** The page's text with the HTML escapes of quotes undone. */
const body = (page: PageClient) =>
  page.last.body
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
const audits = async (type: string, userId: string) => await server.services.audit.recent({ type, userId, limit: 50 });

test('enrolment texts a code through the provider; sign-in with the texted code; low assurance never claims acr mfa', async () => {
  const user = await person();
  const page = await myAccount(server, user.email);
  await page.get('/account/factors/sms/add');
  expect(page.title()).toBe('Set up text message codes');
  await page.post('/account/factors/sms/add', { phone: '0612345678' }); // no country code
  expect([page.last.status, page.last.body]).toEqual([400, expect.stringContaining('with its country code')]);
  await page.post('/account/factors/sms/add', { phone: '+44 909 879 0000' }); // premium rate: refused
  expect(page.last.status).toBe(400);
  expect(provider.requests).toHaveLength(0);

  await page.post('/account/factors/sms/add', { phone: '+33 6 12 34 56 78' });
  expect(page.last.status).toBe(200);
  expect(page.last.body).toContain('+33 • •• •• •• 78'); // masked
  const sent = provider.requests.at(-1)!;
  expect(sent.method).toBe('POST');
  expect(sent.path).toBe(`/2010-04-01/Accounts/${SID}/Messages.json`);
  expect(sent.authorization).toBe(`Basic ${Buffer.from(`${SID}:${TOKEN}`).toString('base64')}`);
  expect(sent.contentType).toMatch(/^application\/x-www-form-urlencoded/);
  expect(sent.form.get('To')).toBe('+33612345678');
  expect(sent.form.get('From')).toBe(FROM);
  expect(sent.form.get('Body')).toMatch(/^\d{6} is your Wayfinder verification code\. It expires in 10 minutes\./);
  expect(sent.form.get('Body')).toMatch(new RegExp(`@127\\.0\\.0\\.1 #${codeIn(sent)}$`)); // WebOTP line

  await page.post('/account/factors/sms/add', { code: codeIn(sent) === '000000' ? '111111' : '000000' });
  expect(page.last.status).toBe(400);
  await page.post('/account/factors/sms/add', { code: codeIn(sent)! });
  expect(page.title()).toMatch(/recovery codes/i);
  const stored = (await server.features.factorStore.factorsOf(user.id)).find((f) => f.kind === 'sms')!;
  expect(stored.confirmed_at).not.toBeNull();
  expect(stored.secret_enc).not.toContain('612345678'); // sealed at rest

  // Sign-in to an app: password, then the code texted now.
  const app = new PageClient(server.url);
  const { config, verifier, interaction, uid } = await startApp(app);
  await signInWithPassword(app, interaction, user.email, PASSWORD);
  expect(app.title()).toBe('Check your phone');
  expect(provider.requests).toHaveLength(2);
  const back = await app.post(`/interaction/${uid}/factor/sms/verify`, { code: lastCode() });
  expect(back.startsWith(REDIRECT_URI)).toBe(true);
  const tokens = await oidc.authorizationCodeGrant(config, new URL(back), {
    pkceCodeVerifier: verifier,
    idTokenExpected: true,
    expectedState: oidc.skipStateCheck,
  });
  expect(tokens.claims()!.amr).toEqual(expect.arrayContaining(['pwd', 'sms', 'mfa']));
  expect(tokens.claims()!.acr).toBe('urn:wayfinder:acr:pwd');
  expect((await audits('factor.sms_sent', user.id)).map((e) => e.data)).toContainEqual({ to: '+33 • •• •• •• 78' });

  // Step-up to multi-factor: SMS is not enough, so the person is asked to set up a stronger method.
  const up = await startApp(app, { acr_values: 'urn:wayfinder:acr:mfa' });
  expect(up.interaction).toContain('/interaction/');
  expect(app.title()).toBe('Set up two-step verification');
  expect(app.last.body).not.toContain('factor?method=sms');
  const texts = provider.requests.length;
  await app.post(`/interaction/${up.uid}/factor/sms/resend`, {}); // not offered: no text
  expect([app.last.status, provider.requests.length]).toEqual([400, texts]);
  await app.get(`/interaction/${up.uid}/factor`);
  await app.post(`/interaction/${up.uid}/factor/sms/verify`, { code: lastCode() }); // the last code sent, still not enough
  expect(app.last.url).toContain(`/interaction/${up.uid}/factor`);
  expect(app.title()).toBe('Set up two-step verification');
});

test('a policy is never satisfied by SMS: not offered, not enrollable in the sign-in, not a primary method', async () => {
  const user = await person();
  const page = await myAccount(server, user.email);
  await enrolSms(page, '+49 151 23456789');
  const orgId = await server.services.orgs.upsert({ id: `org-sms-${n}`, slug: `sms-${n}`, name: 'Texting Co' });
  await server.services.orgs.addMember(orgId, user.id, 'member');
  await expect(
    setTwoStepPolicy(server.features.factorStore, orgId, {
      required: 'all',
      primary_method: 'sms',
      trusted_device_days: 30,
      group_names: [],
    }),
  ).rejects.toThrow(/satisfies a policy/);
  await setTwoStepPolicy(server.features.factorStore, orgId, {
    required: 'all',
    primary_method: 'totp',
    trusted_device_days: 30,
    group_names: [],
  });

  const app = new PageClient(server.url);
  const { interaction, uid } = await startApp(app);
  const at = await signInWithPassword(app, interaction, user.email, PASSWORD);
  expect(at).toContain(`/interaction/${uid}/factor`);
  // The SMS factor does not count, but it is proved before anything is enrolled (a password alone never enrols).
  expect(app.title()).toBe('Check your phone');
  await app.post(`/interaction/${uid}/factor/sms/verify`, { code: lastCode() });
  expect(app.title()).toBe('Set up two-step verification');
  expect(app.last.body).not.toContain('factor?method=sms');
  expect(app.last.body).toContain('factor?method=email'); // a strong alternative is offered
  await app.post(`/interaction/${uid}/factor/sms/enrol`, { phone: '+49 151 23456789' });
  expect(app.last.status).toBe(400);
  expect(app.cookie('wf_session')).toBeUndefined();
});

test('limits against SMS pumping: per account, per number, daily cap; each refusal audited', async () => {
  // Per account: 3 texts in 10 minutes (the enrolment text counts).
  const a = await person();
  const page = await myAccount(server, a.email);
  await enrolSms(page, '+34 612 34 56 78');
  const app = new PageClient(server.url);
  const { interaction, uid } = await startApp(app);
  await signInWithPassword(app, interaction, a.email, PASSWORD);
  await app.post(`/interaction/${uid}/factor/sms/resend`, {});
  expect(sentTo('+34612345678')).toBe(3);
  await app.post(`/interaction/${uid}/factor/sms/resend`, {});
  expect(sentTo('+34612345678')).toBe(3);
  expect(body(app)).toContain("We've sent several codes already");
  expect((await audits('factor.sms_limited', a.id)).map((e) => e.data)).toContainEqual({
    limit: 'account_10_minutes',
    to: '+34 ••• •• •• 78',
  });
  // The last code sent still works.
  expect((await app.post(`/interaction/${uid}/factor/sms/verify`, { code: lastCode() })).startsWith(REDIRECT_URI)).toBe(true);

  // Per number: 5 an hour, whichever accounts ask (two texts each from three people).
  const shared = '+31 6 12345678';
  const people = [await person(), await person(), await person()];
  for (const p of people) {
    const pg = await myAccount(server, p.email);
    await pg.get('/account/factors/sms/add');
    await pg.post('/account/factors/sms/add', { phone: shared });
    await pg.post('/account/factors/sms/add', { resend: 'yes' });
    if (p === people[2]) {
      expect(body(pg)).toContain("We've sent several codes already");
      expect((await audits('factor.sms_limited', p.id)).map((e) => e.data)).toContainEqual({ limit: 'number_hour', to: '+31 • ••••••78' });
    }
  }
  expect(sentTo('+31612345678')).toBe(5);

  // Daily cap across everyone (a second server whose cap is 1).
  const capped = await startTestServer(smsConfig(1));
  try {
    const [first, second] = [await person(capped), await person(capped)];
    const p1 = await myAccount(capped, first.email);
    await p1.get('/account/factors/sms/add');
    await p1.post('/account/factors/sms/add', { phone: '+39 312 345 6789' });
    expect(sentTo('+393123456789')).toBe(1);
    const p2 = await myAccount(capped, second.email);
    await p2.get('/account/factors/sms/add');
    await p2.post('/account/factors/sms/add', { phone: '+351 912 345 678' });
    expect([p2.last.status, sentTo('+351912345678')]).toEqual([400, 0]);
    expect((await capped.services.audit.recent({ type: 'factor.sms_limited', userId: second.id })).map((e) => e.data)).toContainEqual({
      limit: 'daily_cap',
      to: '+351 ••• ••• •78',
    });
  } finally {
    await capped.close();
  }
});

test('a provider failure is shown on the page and audited, never a 500', async () => {
  const user = await person();
  const page = await myAccount(server, user.email);
  provider.refuse.add('+33698765432');
  await page.get('/account/factors/sms/add');
  await page.post('/account/factors/sms/add', { phone: '+33 6 98 76 54 32' });
  expect(page.last.status).toBe(400);
  expect(body(page)).toContain("We couldn't send a text message right now");
  const [failed] = await audits('factor.sms_failed', user.id);
  expect(failed.data).toEqual({ to: '+33 • •• •• •• 32', status: 400, providerCode: '21211' });
  expect(JSON.stringify(failed)).not.toContain(TOKEN);
  expect((await server.features.factorStore.factorsOf(user.id)).filter((f) => f.kind === 'sms')).toHaveLength(0);
});

test('configuration: the log adapter is refused in production, the auth token only comes from the environment', () => {
  const prod = { NODE_ENV: 'production', COOKIE_KEYS: 'k'.repeat(40), ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64') };
  expect(() => loadConfig({ env: { ...prod, SMS_PROVIDER: 'log' }, warn: () => {} })).toThrow(/SMS_PROVIDER: "log" .* development only/);
  expect(loadConfig({ env: prod, warn: () => {} }).sms.provider).toBeUndefined(); // unset in production: no SMS
  expect(() => loadConfig({ env: { ...prod, SMS_PROVIDER: 'twilio' }, warn: () => {} })).toThrow(/TWILIO_ACCOUNT_SID/);
  const twilio = loadConfig({
    env: {
      ...prod,
      SMS_PROVIDER: 'twilio',
      TWILIO_ACCOUNT_SID: SID,
      TWILIO_AUTH_TOKEN: TOKEN,
      SMS_FROM: FROM,
      SMS_BASE_URL: 'http://sms.internal',
    },
    warn: () => {},
  });
  expect(twilio.sms).toMatchObject({ provider: 'twilio', accountSid: SID, authToken: TOKEN, from: FROM, baseUrl: 'http://sms.internal' });
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'wf-sms-')), 'config.yaml');
  writeFileSync(file, `sms:\n  authToken: ${TOKEN}\n`);
  expect(() => loadConfig({ env: { ...prod, CONFIG_FILE: file }, warn: () => {} })).toThrow(/TWILIO_AUTH_TOKEN in the environment/);
});
