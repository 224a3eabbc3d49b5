/**
 * Push approval end to end, with the reference authenticator running as its own process against a
 * real Wayfinder: pairing through the enrolment page (QR link, fingerprint, confirm), right number →
 * signed in (amr pwd+swk+mfa), wrong number → denied and audited as possible push fatigue, timeout →
 * denied, repeated pushes rate-limited, forged or stale device signatures refused (regression), and
 * pairing from My account, where a device someone else paired first is caught and thrown away.
 * Pages are walked the way a browser without JavaScript does: following their meta refresh.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PageClient, signInWithPassword } from '../helpers/browser.js';
import { discover, oidc, REDIRECT_URI } from '../helpers/rp.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { offeredNumbers, readState, runAuthenticator, signedAnswer, signedPollHeaders, tempStateFile } from '../helpers/authenticator.js';
import { generateKeys } from '../../src/authenticator/device.js';
import { setTwoStepPolicy } from '../../src/factors/admin.js';

const PASSWORD = 'push approval password 2026';
const unescape = (s: string) =>
  s
    .replace(/&amp;/g, '&')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"');
const refreshOf = (html: string) => unescape(/<meta http-equiv="refresh" content="\d+;url=([^"]+)">/.exec(html)?.[1] ?? '');
const numberOn = (html: string) => Number(/id="push-number">(?:<span[^>]*>[^<]*<\/span>)?(\d\d)</.exec(html)?.[1]);
let counter = 0;

async function prepare(server: TestServer) {
  const s = server.services;
  await s.orgs.upsert({ id: 'org-push', slug: 'push', name: 'Push Co' });
  await setTwoStepPolicy(server.features.factorStore, 'org-push', {
    required: 'all',
    primary_method: 'push',
    trusted_device_days: 30,
    group_names: [],
  });
  await s.clients.upsert({
    client_id: 'push-app',
    client_secret: 'push-app-secret',
    client_name: 'Push Test App',
    redirect_uris: [REDIRECT_URI],
    grant_types: ['authorization_code'],
    first_party: true,
  });
}

async function person(server: TestServer) {
  const email = `p${(counter += 1)}.${Date.now().toString(36)}@push.test`;
  const u = await server.services.users.create({ email, password: PASSWORD, email_verified: true });
  await server.services.orgs.addMember('org-push', u.id, 'member');
  return { email, id: u.id };
}

/** Opens the app's authorization request and signs in with the password: lands on the factor page. */
async function signIn(server: TestServer, email: string) {
  const page = new PageClient(server.url);
  const config = await discover(server.url, 'push-app', 'push-app-secret');
  const verifier = oidc.randomPKCECodeVerifier();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  const interaction = await page.get(url.toString());
  await signInWithPassword(page, interaction, email, PASSWORD);
  const redeem = (back: string) =>
    oidc.authorizationCodeGrant(config, new URL(back), {
      pkceCodeVerifier: verifier,
      idTokenExpected: true,
      expectedState: oidc.skipStateCheck,
    });
  return { page, uid: new URL(interaction).pathname.split('/')[2], redeem };
}

/** First sign-in: the policy asks to pair a device; the authenticator pairs with the link on the page. */
async function enrol(server: TestServer, email: string, stateFile = tempStateFile()) {
  const { page, uid, redeem } = await signIn(server, email);
  expect(page.title()).toBe('Pair your phone for sign-in approvals');
  const link = unescape(/id="pairing-link">([^<]+)</.exec(page.last.body)![1]);
  const waiting = refreshOf(page.last.body);
  expect(waiting).toBe(`/interaction/${uid}/factor`);
  const paired = await runAuthenticator(['pair', link, '--name', 'Test phone', '--state', stateFile]);
  expect(paired).toMatchObject({ code: 0, stderr: '' });
  await page.get(waiting);
  expect(page.last.body).toContain('Paired with “Test phone”');
  const fingerprint = /Key fingerprint: ([0-9A-F]{4} [0-9A-F]{4})/.exec(paired.stdout)![1];
  expect(/id="key-fingerprint">([^<]+)</.exec(page.last.body)![1]).toBe(fingerprint);
  await page.post(`/interaction/${uid}/factor/push/enrol`, {});
  expect(page.title()).toMatch(/recovery codes/i);
  const back = await page.post(`/interaction/${uid}/factor/continue`, {});
  expect((await redeem(back)).claims()!.amr).toEqual(['pwd', 'swk', 'mfa']);
  return { stateFile, link, state: readState(stateFile) };
}

const challengesOf = (server: TestServer, userId: string) =>
  server.testDb.database.db
    .selectFrom('factor_challenges')
    .selectAll()
    .where('user_id', '=', userId)
    .where('kind', '=', 'push')
    .orderBy('created_at')
    .execute();
const auditOf = async (server: TestServer, userId: string, type: string) => await server.services.audit.recent({ userId, type, limit: 50 });

describe('with the default two-minute requests', () => {
  let server: TestServer;
  let hook: http.Server;
  const notices: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    hook = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        notices.push(JSON.parse(body));
        res.end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    server = await startTestServer({ push: { webhookUrl: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/notify` } });
    await prepare(server);
  });
  afterAll(async () => {
    await server?.close();
    hook?.close();
  });

  test('pair on the enrolment page, then the right number signs in (amr pwd swk mfa); the pairing link works once', async () => {
    const who = await person(server);
    const { state, link, stateFile } = await enrol(server, who.email);
    const again = await runAuthenticator(['pair', link, '--state', tempStateFile()]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('unknown_pairing_code');

    const { page, uid, redeem } = await signIn(server, who.email);
    expect(page.title()).toBe('Approve the sign-in on your phone');
    const number = numberOn(page.last.body);
    const check = refreshOf(page.last.body);
    expect(check).toBe(`/interaction/${uid}/factor/push/verify`);
    expect(await page.get(check)).toBe(new URL(check, server.url).toString()); // still waiting: the page stays
    expect(page.last.status).toBe(200);

    const approve = await runAuthenticator(['approve', '--pick', String(number), '--state', stateFile]);
    expect(approve.code).toBe(0);
    expect(approve.stdout).toContain('Push Test App');
    expect(approve.stdout).toMatch(/127\.0\.0\.1 \(approximate location unavailable\)/);
    expect(offeredNumbers(approve.stdout)).toHaveLength(3);
    expect(offeredNumbers(approve.stdout)).toContain(number);
    expect(approve.stdout).toContain('Approved.');

    const back = await page.get(check);
    expect(back.startsWith(REDIRECT_URI)).toBe(true);
    const claims = (await redeem(back)).claims()!;
    expect(claims.amr).toEqual(['pwd', 'swk', 'mfa']);
    expect(claims.acr).toBe('urn:wayfinder:acr:mfa');
    const [challenge] = await challengesOf(server, who.id);
    expect(notices).toContainEqual(expect.objectContaining({ challengeId: challenge.id, deviceIds: [state.deviceId] }));
    expect(await auditOf(server, who.id, 'factor.push_approved')).toHaveLength(1);
  });

  test('a wrong number denies the request, and is audited as a possible push-fatigue attack', async () => {
    const who = await person(server);
    const { stateFile } = await enrol(server, who.email);
    const { page } = await signIn(server, who.email);
    const number = numberOn(page.last.body);
    const check = refreshOf(page.last.body);
    let wrong = 0;
    const run = await runAuthenticator(['approve', '--state', stateFile], (out) =>
      String((wrong = offeredNumbers(out).find((n) => n !== number)!)),
    );
    expect(wrong).toBeGreaterThanOrEqual(10);
    expect(wrong).not.toBe(number);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('Denied: that was not the number on the sign-in page');

    expect(await page.get(check)).toBe(new URL(check, server.url).toString()); // no way back to the app
    expect(page.last.status).toBe(400);
    expect(page.last.body).toContain('The wrong number was picked on your device');
    expect(refreshOf(page.last.body)).toBe(''); // the page stops waiting
    expect((await challengesOf(server, who.id)).map((c) => c.status)).toEqual(['denied']);
    const [event] = await auditOf(server, who.id, 'factor.push_number_mismatch');
    expect(event.data).toMatchObject({ possiblePushFatigue: true });
  });

  test('repeated pushes are rate-limited: none while one is pending, at most 3 in 10 minutes', async () => {
    const who = await person(server);
    const { stateFile } = await enrol(server, who.email);
    const { page, uid } = await signIn(server, who.email);
    const csrf = page.cookie('wf_csrf')!; // the waiting page has no form: post as a crafted request would
    const first = numberOn(page.last.body);
    await page.post(`/interaction/${uid}/factor/push/resend`, {}, { csrf });
    expect(await challengesOf(server, who.id)).toHaveLength(1); // one is pending: nothing new is sent
    expect(numberOn(page.last.body)).toBe(first);

    for (let sent = 1; sent <= 3; sent += 1) {
      expect((await runAuthenticator(['deny', '--state', stateFile])).code).toBe(0);
      await page.get(`/interaction/${uid}/factor/push/verify`);
      expect(page.last.body).toContain('The sign-in request was denied on your device.');
      await page.post(`/interaction/${uid}/factor/push/resend`, {}, { csrf });
      expect(await challengesOf(server, who.id)).toHaveLength(Math.min(sent + 1, 3));
    }
    expect(page.last.body).toContain('sent several requests already');
    expect(page.last.body).not.toContain('/push/resend'); // no button to ask again
    const other = await signIn(server, who.email); // a new sign-in does not push either
    expect(other.page.last.body).toContain('sent several requests already');
    expect(await challengesOf(server, who.id)).toHaveLength(3);
    expect((await auditOf(server, who.id, 'factor.push_refused')).map((e) => e.data)).toContainEqual({ reason: 'rate' });
  });

  test('from My account: a device someone else paired first is thrown away; the person pairs theirs and is asked for a push', async () => {
    const email = `own.${Date.now().toString(36)}@solo.test`;
    await server.services.users.create({ email, password: PASSWORD, email_verified: true });
    const page = new PageClient(server.url);
    await signInWithPassword(page, await page.get('/account'), email, PASSWORD);
    await page.get('/account/factors/push/add');
    expect(refreshOf(page.last.body)).toBe('/account/factors/push/add');
    const linkOn = () => unescape(/id="pairing-link">([^<]+)</.exec(page.last.body)![1]);
    const [intruder, stateFile] = [tempStateFile(), tempStateFile()];
    const first = linkOn();
    expect((await runAuthenticator(['pair', first, '--name', 'Not mine', '--state', intruder])).code).toBe(0);
    await page.get('/account/factors/push/add');
    expect(page.last.body).toContain('Paired with “Not mine”');
    await page.post('/account/factors/push/add', { restart: 'yes' }); // "That's not my device — start again"
    expect(page.last.body).toContain('Pairing cancelled');
    expect(linkOn()).not.toBe(first);
    const refused = await runAuthenticator(['deny', '--wait', '1', '--state', intruder]);
    expect([refused.code, refused.stderr]).toEqual([1, expect.stringContaining('unknown_device')]);

    expect((await runAuthenticator(['pair', linkOn(), '--name', 'Own phone', '--state', stateFile])).code).toBe(0);
    await page.get('/account/factors/push/add');
    expect(page.last.body).toContain('Paired with “Own phone”');
    await page.post('/account/factors/push/add', {});
    expect(page.title()).toMatch(/recovery codes/i);

    const { page: next } = await signIn(server, email);
    expect(next.title()).toBe('Approve the sign-in on your phone');
    expect((await runAuthenticator(['approve', '--pick', String(numberOn(next.last.body)), '--state', stateFile])).code).toBe(0);
  });

  test('forged, tampered and stale device signatures are refused (regression)', async () => {
    const who = await person(server);
    const { stateFile, state } = await enrol(server, who.email);
    const { page } = await signIn(server, who.email);
    const number = numberOn(page.last.body);
    const check = refreshOf(page.last.body);
    const api = (path: string, init?: RequestInit) => fetch(new URL(path, server.url), init);
    const impostor = await generateKeys();

    let res = await api(`/api/push/device/${state.deviceId}/next`, { headers: await signedPollHeaders(state, impostor.privateKey) });
    expect([res.status, await res.json()]).toEqual([401, expect.objectContaining({ error: 'invalid_signature' })]);
    res = await api(`/api/push/device/${state.deviceId}/next`, { headers: await signedPollHeaders(state) });
    const { challenge } = await res.json();
    expect(challenge.numbers).toContain(number);

    const post = (body: unknown) =>
      api(`/api/push/challenges/${challenge.id}/answer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    res = await post(await signedAnswer(state, challenge.id, { decision: 'approve', number }, impostor.privateKey));
    expect([res.status, await res.json()]).toEqual([401, expect.objectContaining({ error: 'invalid_signature' })]);
    const denial = await signedAnswer(state, challenge.id, { decision: 'deny', number: null });
    res = await post({ ...denial, decision: 'approve', number }); // a real signature, over another answer
    expect([res.status, await res.json()]).toEqual([401, expect.objectContaining({ error: 'invalid_signature' })]);
    res = await post(await signedAnswer(state, challenge.id, { decision: 'approve', number, timestamp: Date.now() - 10 * 60_000 }));
    expect([res.status, await res.json()]).toEqual([401, expect.objectContaining({ error: 'stale_timestamp' })]);

    expect((await challengesOf(server, who.id)).map((c) => c.status)).toEqual(['pending']);
    expect(await page.get(check)).toBe(new URL(check, server.url).toString());
    expect(await auditOf(server, who.id, 'factor.push_bad_signature')).toHaveLength(3);

    expect((await runAuthenticator(['approve', '--pick', String(number), '--state', stateFile])).code).toBe(0);
    expect((await page.get(check)).startsWith(REDIRECT_URI)).toBe(true);
    res = await post(await signedAnswer(state, challenge.id, { decision: 'deny', number: null }));
    expect(res.status).toBe(409); // answered once, for good
  });
});

describe('with requests that expire after 2 seconds (push.challengeSeconds)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ push: { challengeSeconds: 2 } });
    await prepare(server);
  });
  afterAll(() => server?.close());

  test('an unanswered request times out: the page says so, the device is not offered it, a late approval is refused', async () => {
    const who = await person(server);
    const { stateFile, state } = await enrol(server, who.email);
    const { page } = await signIn(server, who.email);
    const number = numberOn(page.last.body);
    const check = refreshOf(page.last.body);
    const [pending] = await challengesOf(server, who.id);
    await new Promise((r) => setTimeout(r, 2500));

    expect(await page.get(check)).toBe(new URL(check, server.url).toString());
    expect(page.last.status).toBe(400);
    expect(page.last.body).toContain('The sign-in request expired before it was approved.');
    const late = await runAuthenticator(['approve', '--pick', String(number), '--wait', '2', '--state', stateFile]);
    expect(late.code).toBe(3);
    const res = await fetch(new URL(`/api/push/challenges/${pending.id}/answer`, server.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(await signedAnswer(state, pending.id, { decision: 'approve', number })),
    });
    expect([res.status, await res.json()]).toEqual([410, expect.objectContaining({ error: 'expired' })]);
    expect(await page.get(check)).toBe(new URL(check, server.url).toString());
    expect((await challengesOf(server, who.id)).map((c) => c.status)).toEqual(['expired']);
  });
});
