/**
 * Device sign-in (RFC 8628) end to end with openid-client as the device: opt-in per client, our own
 * code entry and confirmation pages (the confirmation is never skipped, even from
 * verification_uri_complete), the normal journey with a second factor, slow_down, expiry, the
 * account checked again when the device redeems its code, throttled code guessing, and every GET
 * under /device answered with a page.
 */
import { generate } from 'otplib';
import { sql } from 'kysely';
import { PageClient } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { oidc } from '../helpers/rp.js';
import { PASSWORD, addUser, interactionUid, uniqueEmail, auditTypes } from '../helpers/sign-in.js';
import { setTwoStepPolicy } from '../../src/factors/admin.js';
import { hashDeviceCode } from '../../src/device/store.js';
import { switchSsoOnlyOn } from '../helpers/sso-only.js';

let server: TestServer;
let device: oidc.Configuration;
const GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

beforeAll(async () => {
  server = await startTestServer({
    device: { pollIntervalSeconds: 2 },
    throttle: { accountFreeAttempts: 5, ipFreeAttempts: 6, maxDelaySeconds: 60, windowSeconds: 900 },
  });
  for (const [id, grants] of [
    ['tv', [GRANT, 'refresh_token']],
    ['web', ['authorization_code']],
  ] as const)
    await server.services.clients.upsert({
      client_id: id,
      client_name: id === 'tv' ? 'Living Room TV' : 'Web app',
      token_endpoint_auth_method: 'none',
      redirect_uris: id === 'web' ? ['https://rp.example.test/cb'] : [],
      response_types: id === 'web' ? ['code'] : [],
      grant_types: [...grants],
      first_party: true,
    });
  device = await oidc.discovery(new URL(server.url), 'tv', undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
});
afterAll(() => server?.close());

const xsrfOf = (page: PageClient) => /name="xsrf" value="([^"]+)"/.exec(page.last.body)![1];

const poll = (deviceCode: string) =>
  fetch(`${server.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: GRANT, device_code: deviceCode, client_id: 'tv' }),
  }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));

/** Enters the code (from the link: the field is only filled in) and reaches the confirmation page. */
async function toConfirmation(page: PageClient, d: { verification_uri_complete?: string }) {
  await page.get(d.verification_uri_complete!);
  expect(page.last.status).toBe(200);
  expect(page.last.body).not.toContain('Submitting Callback');
  expect(page.title()).toBe('Connect a device');
  const value = /name="user_code"[^>]*value="([^"]+)"/.exec(page.last.body)?.[1];
  const xsrf = /name="xsrf" value="([^"]+)"/.exec(page.last.body)![1];
  await page.post('/device', { xsrf, user_code: value! }, { csrf: false });
  return xsrf;
}

async function approve(page: PageClient, email: string, userCode: string) {
  expect(page.title()).toBe('Is this your device?');
  const xsrf = /name="xsrf" value="([^"]+)"/.exec(page.last.body)![1];
  const at = await page.post('/device', { xsrf, user_code: userCode, confirm: 'yes' }, { csrf: false });
  const uid = interactionUid(at);
  expect(uid).not.toBe('');
  await page.post(`/interaction/${uid}/identify`, { email });
  return page.post(`/interaction/${uid}/password`, { password: PASSWORD });
}

test('discovery names the endpoint; a client without the device grant is refused (unauthorized_client)', async () => {
  expect(device.serverMetadata().device_authorization_endpoint).toBe(`${server.url}/device/auth`);
  const web = await oidc.discovery(new URL(server.url), 'web', undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
  await expect(oidc.initiateDeviceAuthorization(web, { scope: 'openid' })).rejects.toMatchObject({ error: 'unauthorized_client' });
});

test('code from the link, confirmation naming app, address and time, second factor, then tokens; polling too fast is slow_down', async () => {
  const email = uniqueEmail('dora');
  const user = await addUser(server, email);
  const orgId = await server.services.orgs.upsert({ id: 'org-dev', slug: 'devco', name: 'Dev Co' });
  await server.services.orgs.addMember(orgId, user.id, 'member');
  await setTwoStepPolicy(server.features.factorStore, orgId, {
    required: 'all',
    primary_method: 'totp',
    trusted_device_days: 0,
    group_names: [],
  });

  const d = await oidc.initiateDeviceAuthorization(device, { scope: 'openid offline_access' });
  expect(d.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
  expect(d.interval).toBe(2);
  expect(d.expires_in).toBe(600);

  expect((await poll(d.device_code)).body.error).toBe('authorization_pending');
  const fast = await poll(d.device_code);
  expect(fast).toMatchObject({ status: 400, body: { error: 'slow_down' } });
  expect(String(fast.body.error_description)).toContain('7 seconds');

  const page = new PageClient(server.url);
  await toConfirmation(page, d);
  // Phishing defence: the page names the app, where and when the device asked, and warns.
  expect(page.last.body).toContain('Living Room TV');
  expect(page.last.body).toMatch(/id="device-ip">[^<]*127\.0\.0\.1/);
  expect(page.last.body).toMatch(/id="device-time">\d\d:\d\d UTC \([^)]+\)/);
  expect(page.last.body).toContain('Continue only if you started this on your own device');
  await approve(page, email, d.user_code);
  // Two-step verification is required: the device gets nothing until the factor is set up and passes.
  expect(page.title()).toMatch(/Set up two-step verification/);
  expect((await poll(d.device_code)).body.error).toMatch(/authorization_pending|slow_down/);
  const uid = interactionUid(page.last.url);
  const secret = /<code>([A-Z2-7 ]{16,})<\/code>/.exec(page.last.body)![1].replace(/ /g, '');
  await page.post(`/interaction/${uid}/factor/totp/enrol`, { code: await generate({ secret }) });
  expect(page.title()).toMatch(/recovery codes/i);
  await page.post(`/interaction/${uid}/factor/continue`, {});
  expect(page.title()).toBe('Your device is connected');
  expect(page.last.body).toContain('Living Room TV');

  const tokens = await oidc.pollDeviceAuthorizationGrant(device, d);
  expect(tokens.claims()?.sub).toBe(user.id);
  expect(tokens.refresh_token).toBeTruthy();
  expect(tokens.claims()?.amr).toEqual(expect.arrayContaining(['pwd', 'otp']));

  // Single use: the code, once used, is refused on the page and yields nothing more to the device.
  const again = new PageClient(server.url);
  await again.get('/device');
  await again.post('/device', { xsrf: xsrfOf(again), user_code: d.user_code }, { csrf: false });
  expect(again.last.status).toBe(400);
  expect(again.last.body).toContain('That code is not right or has expired');
  expect((await poll(d.device_code)).body.error).toMatch(/invalid_grant|slow_down/);
}, 45_000);

test('typed code with spaces and lower case works; a wrong code says so; cancelling denies the device', async () => {
  const d = await oidc.initiateDeviceAuthorization(device, { scope: 'openid' });
  const page = new PageClient(server.url);
  await page.get('/device');
  await page.post('/device', { xsrf: xsrfOf(page), user_code: 'BCDF-GHJK' === d.user_code ? 'BCDF-GHJL' : 'BCDF-GHJK' }, { csrf: false });
  expect(page.last.status).toBe(400);
  expect(page.last.body).toContain('That code is not right or has expired');
  await page.post('/device', { xsrf: xsrfOf(page), user_code: '' }, { csrf: false });
  expect(page.last.body).toContain('Enter the code shown on your device.');
  await page.post('/device', { xsrf: xsrfOf(page), user_code: ` ${d.user_code.toLowerCase().replace('-', ' ')} ` }, { csrf: false });
  expect(page.title()).toBe('Is this your device?');
  await page.post('/device', { xsrf: xsrfOf(page), user_code: d.user_code, abort: 'yes' }, { csrf: false });
  expect(page.last.body).toContain('The device sign-in was cancelled');
  expect((await poll(d.device_code)).body.error).toBe('access_denied');
  expect(await auditTypes(server, { type: 'device.code_rejected' })).not.toHaveLength(0);
});

test('the account is checked again at redemption: disabled, now SSO only, or a policy it no longer meets, and the approved code yields nothing (regression)', async () => {
  for (const change of ['disable', 'sso_only', 'two_step'] as const) {
    const email = uniqueEmail(`redeem-${change}`);
    const user = await addUser(server, email);
    const orgId = await server.services.orgs.upsert({ id: `org-${change}`, slug: `org-${change}`, name: change });
    await server.services.orgs.addMember(orgId, user.id, 'member');
    const d = await oidc.initiateDeviceAuthorization(device, { scope: 'openid offline_access' });
    const page = new PageClient(server.url);
    await toConfirmation(page, d);
    await approve(page, email, d.user_code);
    expect(page.title()).toBe('Your device is connected');
    if (change === 'disable') await server.services.accounts.updateUser(user.id, { status: 'disabled' });
    else if (change === 'sso_only') await switchSsoOnlyOn(server.services.db, orgId);
    else
      // A policy changed since the approval: the password alone no longer meets it.
      await setTwoStepPolicy(server.features.factorStore, orgId, {
        required: 'all',
        primary_method: 'totp',
        trusted_device_days: 0,
        group_names: [],
      });
    await new Promise((r) => setTimeout(r, 2100));
    const refused = await poll(d.device_code);
    expect(refused).toMatchObject({ status: 400, body: { error: 'access_denied' } });
    // Ended for good: a later poll finds no code.
    await new Promise((r) => setTimeout(r, 2100));
    expect((await poll(d.device_code)).body.error).toMatch(/invalid_grant|expired_token/);
    const events = await server.testDb.database.db
      .selectFrom('audit_events')
      .select(['type', 'data'])
      .where('type', '=', 'device.redeem_refused')
      .where('user_id', '=', user.id)
      .execute();
    expect(events).toHaveLength(1);
  }
}, 30_000);

/** Moves a device code past its expiry, as time would: the code row and its polling record. */
async function expire(d: { device_code: string; user_code: string }) {
  const db = server.testDb.database.db;
  await sql`update oidc_models set payload = jsonb_set(payload, '{exp}', to_jsonb(extract(epoch from now())::int - 1)), expires_at = now() - interval '1 second' where kind = 'DeviceCode' and user_code = ${d.user_code.replace('-', '')}`.execute(
    db,
  );
  await sql`update device_polls set expires_at = now() - interval '1 second' where code_hash = ${hashDeviceCode(d.device_code)}`.execute(
    db,
  );
}

test('an expired code is expired_token for the device and a wrong code on the page', async () => {
  const d = await oidc.initiateDeviceAuthorization(device, { scope: 'openid' });
  await expire(d);
  // Regression: the expired code was answered invalid_grant (RFC 8628 §3.5 says expired_token).
  expect(await poll(d.device_code)).toMatchObject({ status: 400, body: { error: 'expired_token' } });
  // Still expired_token once the expired rows are purged, and for a device that polled before expiry.
  await server.oidc.store.purgeExpired();
  await server.features.device.purgeExpired();
  expect((await poll(d.device_code)).body.error).toBe('expired_token');
  const polled = await oidc.initiateDeviceAuthorization(device, { scope: 'openid' });
  expect((await poll(polled.device_code)).body.error).toBe('authorization_pending');
  await expire(polled);
  expect((await poll(polled.device_code)).body.error).toBe('expired_token');
  await expect(oidc.pollDeviceAuthorizationGrant(device, polled)).rejects.toMatchObject({ error: 'expired_token' });
  // A code never issued is still invalid_grant.
  expect((await poll('never-issued-device-code-0123456789')).body.error).toBe('invalid_grant');
  const page = new PageClient(server.url);
  await page.get(d.verification_uri_complete!);
  const xsrf = /name="xsrf" value="([^"]+)"/.exec(page.last.body)![1];
  await page.post('/device', { xsrf, user_code: d.user_code }, { csrf: false });
  expect(page.last.status).toBe(400);
  expect(page.last.body).toContain('That code is not right or has expired');
});

test('every GET under /device without state is a page, never a 500', async () => {
  for (const path of [
    '/device',
    '/device?user_code=',
    '/device?user_code=%3Cscript%3E',
    '/device?user_code=BCDF-GHJK&user_code=XXXX',
    '/device/unknown-uid',
    '/device/unknown-uid/',
    '/device/auth',
    '/device/a/b/c',
  ]) {
    const res = await fetch(`${server.url}${path}`, { redirect: 'manual' });
    expect([200, 400, 404, 405]).toContain(res.status);
    expect(res.headers.get('content-type') ?? '').toMatch(/html|json/);
  }
});

test('guessing codes is throttled per address with the password throttle; the blocked page says how long to wait', async () => {
  const page = new PageClient(server.url);
  await page.get('/device');
  const statuses: number[] = [];
  for (let i = 0; i < 10; i += 1) {
    await page.post('/device', { xsrf: xsrfOf(page), user_code: `BCDF-GH${'JKLMNPQRST'[i]}${'VWXZ'[i % 4]}` }, { csrf: false });
    statuses.push(page.last.status);
  }
  expect(statuses).toContain(429);
  expect(statuses.slice(0, 3)).toEqual([400, 400, 400]);
  expect(page.last.body).toMatch(/Wait \d+ seconds/);
  expect(page.last.headers.get('retry-after')).toMatch(/^\d+$/);
  expect(await auditTypes(server, { type: 'device.code_throttled' })).not.toHaveLength(0);
});
