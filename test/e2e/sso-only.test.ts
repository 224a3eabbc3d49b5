/**
 * SSO only, end to end: enforcement can be switched on only after a successful test sign-in (which
 * records success and creates no session and no account; enforcement asked for earlier waits for
 * it); then members cannot use a password (the page explains and offers the company sign-in),
 * forgot-password creates no password, sessions created before enforcement run until they end,
 * and a named break-glass administrator keeps password + a required second factor (audited).
 */
import { generate } from 'otplib';
import { PageClient } from '../helpers/browser.js';
import { CONNECTION, companySignIn, startCompany, type Company } from '../helpers/company.js';
import { addUser, auditTypes, authorize, newMail, pageText, PASSWORD, redeem } from '../helpers/sign-in.js';
import { oidc, REDIRECT_URI } from '../helpers/rp.js';
import { upstreamSignIn } from '../helpers/upstream-oidc.js';
import { setSsoOnly } from '../../src/orgs/sso-only.js';

let c: Company;
let early: { page: PageClient; refresh: string };

const switchDeps = () => ({ store: c.h.server.services.orgs });

/** Password sign-in of a member of the company domain: the email step routes to the IdP, so they choose "password instead". */
async function passwordViaCompanyDomain(page: PageClient, email: string, password = PASSWORD) {
  const a = await authorize(c.app, page);
  await page.post(`/interaction/${a.uid}/identify`, { email });
  await page.get(`/interaction/${a.uid}/sso/password`);
  expect(page.title()).toBe('Enter your password');
  return { a, end: await page.post(`/interaction/${a.uid}/password`, { password }) };
}

beforeAll(async () => {
  c = await startCompany({ mfa_trust: 'none' });
  const s = c.h.server.services;
  for (const [email, role] of [
    ['ivy@contoso.test', 'member'],
    ['jack@contoso.test', 'member'],
    ['kim@contoso.test', 'admin'],
    ['contractor@elsewhere.test', 'member'],
  ] as const) {
    const u = await addUser(c.h.server, email);
    await s.orgs.addMember(c.orgId, u.id, role);
  }
  // Before enforcement: jack signs in with his password (his session must outlive the switch).
  const page = new PageClient(c.h.server.url);
  const { a, end } = await passwordViaCompanyDomain(page, 'jack@contoso.test');
  const tokens = await redeem(c.app, end, a);
  early = { page, refresh: tokens.refresh_token! };
});
afterAll(() => c?.close());

test('SSO only cannot be switched on before a test sign-in; asked for anyway (bootstrap), it waits as pending', async () => {
  await expect(setSsoOnly(switchDeps(), c.orgId, true)).rejects.toThrow(/test sign-in/);
  expect(await setSsoOnly(switchDeps(), c.orgId, true, { orPending: true })).toBe('pending');
  // Pending is not enforced: a member can still use a password.
  const page = new PageClient(c.h.server.url);
  const { end } = await passwordViaCompanyDomain(page, 'ivy@contoso.test');
  expect(end.startsWith(REDIRECT_URI)).toBe(true);
});

test('the test sign-in verifies the connection, records success, starts the pending enforcement, and signs no one in', async () => {
  c.idp.people.set('newcomer', { oid: 'oid-newcomer', email: 'newcomer@contoso.test', name: 'New Comer' });
  const link = await c.h.server.features.federation.testLink(CONNECTION);
  const page = new PageClient(c.h.server.url);
  const toIdp = await page.get(link);
  expect(toIdp.startsWith(c.idp.issuer)).toBe(true);
  await page.get(await upstreamSignIn(c.idp, toIdp, 'newcomer', { mfa: true }));
  expect(page.last.status).toBe(200);
  expect(page.title()).toBe('Test sign-in succeeded');
  const text = pageText(page.last.body);
  expect(text).toContain('72f988bf-86f1-41af-91ab-2d7cd011db47/oid-newcomer');
  expect(text).toContain('A new account for newcomer@contoso.test would be created in the organization.');
  expect(text).toContain('SSO only is now enforced for this organization');
  // No session, no account, no link.
  expect(page.cookie('wf_session')).toBeUndefined();
  expect(await c.h.server.services.accounts.findUserByEmail('newcomer@contoso.test')).toBeUndefined();
  expect((await c.h.server.features.connectorStore.findConnection(CONNECTION))!.tested_at).toBeInstanceOf(Date);
  expect((await c.h.server.services.orgs.findById(c.orgId))!.sso_only).toBe('on');
  expect((await auditTypes(c.h.server, { type: 'sso.test_succeeded' })).length).toBe(1);
  // The link works once.
  await page.get(link);
  expect(page.last.status).toBe(400);
  expect(await setSsoOnly(switchDeps(), c.orgId, true)).toBe('on');
});

test('members cannot use a password: the page explains and offers the company sign-in', async () => {
  for (const email of ['ivy@contoso.test', 'contractor@elsewhere.test']) {
    const page = new PageClient(c.h.server.url);
    const end = email.endsWith('@contoso.test')
      ? (await passwordViaCompanyDomain(page, email)).end
      : await (async () => {
          const a = await authorize(c.app, page);
          await page.post(`/interaction/${a.uid}/identify`, { email });
          return page.post(`/interaction/${a.uid}/password`, { password: PASSWORD });
        })();
    expect(end.startsWith(REDIRECT_URI)).toBe(false);
    expect(page.last.status).toBe(403);
    expect(pageText(page.last.body)).toContain('Your organization requires you to sign in with your company ID.');
    expect(page.last.body).toMatch(/href="\/interaction\/[^/]+\/company"/);
    expect(page.cookie('wf_session')).toBeUndefined();
  }
  // The company sign-in still works for them.
  c.idp.people.set('ivy', { oid: 'oid-ivy', email: 'ivy@contoso.test' });
  await c.configure({ mfa_trust: 'none', trust_email: true });
  const page = new PageClient(c.h.server.url);
  const { a, end } = await companySignIn(c, page, 'ivy@contoso.test', 'ivy');
  expect((await redeem(c.app, end, a)).claims()!.amr).toEqual(['fed']);
});

test('forgot-password does not create a password for a member', async () => {
  const page = new PageClient(c.h.server.url);
  await page.get('/password/forgot');
  const mail = await newMail(c.h.sink, 'ivy@contoso.test', /About your password reset request/, () =>
    page.post('/password/forgot', { email: 'ivy@contoso.test' }),
  );
  expect(mail.text).not.toMatch(/token=/);
  expect((await auditTypes(c.h.server, { type: 'password.reset_refused_sso' })).length).toBeGreaterThan(0);
});

test('sessions created before enforcement run until they end: no prompt, and refresh still works', async () => {
  const verifier = oidc.randomPKCECodeVerifier();
  const url = oidc.buildAuthorizationUrl(c.app, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  const back = await early.page.get(url.toString());
  expect(back.startsWith(REDIRECT_URI)).toBe(true);
  const tokens = await oidc.authorizationCodeGrant(c.app, new URL(back), {
    pkceCodeVerifier: verifier,
    expectedState: oidc.skipStateCheck,
  });
  expect(tokens.claims()!.amr).toEqual(['pwd']);
  expect((await oidc.refreshTokenGrant(c.app, early.refresh)).access_token).toBeTruthy();
});

test('a break-glass administrator keeps password + a second factor (always asked), and its use is audited', async () => {
  const s = c.h.server.services;
  const kim = (await s.accounts.findUserByEmail('kim@contoso.test'))!;
  // Not break-glass yet: refused like any member.
  const refused = new PageClient(c.h.server.url);
  await passwordViaCompanyDomain(refused, 'kim@contoso.test');
  expect(refused.last.status).toBe(403);
  expect(await s.orgs.setBreakGlass(c.orgId, kim.id, true)).toBe(true);
  const ivy = (await s.accounts.findUserByEmail('ivy@contoso.test'))!;
  expect(await s.orgs.setBreakGlass(c.orgId, ivy.id, true)).toBe(false); // only administrators

  const page = new PageClient(c.h.server.url);
  const { a, end } = await passwordViaCompanyDomain(page, 'kim@contoso.test');
  expect(end).toContain(`/interaction/${a.uid}/factor`);
  expect(page.title()).toMatch(/Set up two-step verification/);
  expect(page.cookie('wf_session')).toBeUndefined();
  const secret = /<code>([A-Z2-7 ]{16,})<\/code>/.exec(page.last.body)![1].replace(/ /g, '');
  await page.post(`/interaction/${a.uid}/factor/totp/enrol`, { code: await generate({ secret }) });
  const back = await page.post(`/interaction/${a.uid}/factor/continue`, {});
  const claims = (await redeem(c.app, back, a)).claims()!;
  expect(claims.amr).toEqual(expect.arrayContaining(['pwd', 'otp', 'mfa']));
  expect((await auditTypes(c.h.server, { userId: kim.id })).map((e) => e.type)).toContain('login.break_glass');

  // The break-glass administrator may reset their password; a member may not (above).
  const forgot = new PageClient(c.h.server.url);
  await forgot.get('/password/forgot');
  const mail = await newMail(c.h.sink, 'kim@contoso.test', /./, () => forgot.post('/password/forgot', { email: 'kim@contoso.test' }));
  expect(mail.text).toMatch(/token=/);
});

test('a step-up of a session that began with the company sign-in asks for a factor; SSO only does not refuse it', async () => {
  expect((await c.h.server.services.orgs.findById(c.orgId))!.sso_only).toBe('on');
  c.idp.people.set('lena', { oid: 'oid-lena', email: 'lena@contoso.test' });
  const page = new PageClient(c.h.server.url);
  const { a, end } = await companySignIn(c, page, 'lena@contoso.test', 'lena');
  expect((await redeem(c.app, end, a)).claims()!.acr).toBe('urn:wayfinder:acr:pwd');
  const up = await authorize(c.app, page, { acr_values: 'urn:wayfinder:acr:mfa' });
  expect(up.url).toContain(`/interaction/${up.uid}/factor`);
  expect(page.title()).toMatch(/Set up two-step verification/);
});

test('a refused member: the page keeps the address, and the audit log has the password success then the denial (regression)', async () => {
  const s = c.h.server.services;
  const email = 'mona@contoso.test';
  const mona = await addUser(c.h.server, email);
  await s.orgs.addMember(c.orgId, mona.id, 'member');
  expect((await s.orgs.findById(c.orgId))!.sso_only).toBe('on');
  const page = new PageClient(c.h.server.url);
  await passwordViaCompanyDomain(page, email);
  expect(page.last.status).toBe(403);
  expect(page.last.body).toContain(email);
  const events = (await auditTypes(c.h.server, { userId: mona.id })).reverse(); // oldest first
  expect(events.map((e) => [e.type, e.outcome])).toEqual([
    ['login.password', 'success'],
    ['login.denied', 'failure'],
  ]);
  expect(events[1].data).toEqual({ reason: 'login.sso_only' });
  expect(events[0].request_id).toBe(events[1].request_id);
});
