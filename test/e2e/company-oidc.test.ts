/**
 * Company ID over OpenID Connect, end to end: an app (openid-client) → Wayfinder's email step →
 * home realm discovery → a second oidc-provider standing in for Entra ID (tid/oid claims) → back →
 * the app gets tokens. Covers just-in-time provisioning, the (tid, oid) link surviving an email
 * change, linking an existing account only with a trusted email, domains outside the organization,
 * upstream MFA trust, and failures (IdP error, replayed callback, disabled connection or
 * organization, unknown connection) as translated pages with audit events.
 */
import { generate } from 'otplib';
import { PageClient } from '../helpers/browser.js';
import { CONNECTION, companySignIn, startCompany, TENANT, type Company } from '../helpers/company.js';
import { addUser, auditTypes, authorize, pageText, redeem } from '../helpers/sign-in.js';
import { upstreamSignIn } from '../helpers/upstream-oidc.js';
import { REDIRECT_URI } from '../helpers/rp.js';

let c: Company;

beforeAll(async () => {
  c = await startCompany({ mfa_trust: 'trust' });
});
afterAll(() => c?.close());

const db = () => c.h.server.testDb.database.db;
const linksOf = (userId: string) => db().selectFrom('linked_identities').selectAll().where('user_id', '=', userId).execute();

test('email → company IdP → back → the app gets tokens; the first sign-in creates the account in the organization (JIT)', async () => {
  c.idp.people.set('alice', {
    oid: 'oid-alice',
    email: 'alice@contoso.test',
    name: 'Alice Liddell',
    given_name: 'Alice',
    family_name: 'Liddell',
  });
  const page = new PageClient(c.h.server.url);
  const { a, end, toIdp } = await companySignIn(c, page, 'alice@contoso.test', 'alice');
  // Wayfinder asked the IdP for code + PKCE, with the typed address as login_hint.
  const asked = new URL(toIdp).searchParams;
  expect([asked.get('code_challenge_method'), asked.get('login_hint'), asked.get('response_type')]).toEqual([
    'S256',
    'alice@contoso.test',
    'code',
  ]);
  expect(end.startsWith(REDIRECT_URI)).toBe(true);
  const tokens = await redeem(c.app, end, a);
  const claims = tokens.claims()!;
  const user = (await c.h.server.services.accounts.findUserByEmail('alice@contoso.test'))!;
  expect(claims.sub).toBe(user.id);
  expect(claims.amr).toEqual(['fed']);
  expect(claims.acr).toBe('urn:wayfinder:acr:pwd');
  // Mapped attributes; Entra's email is not trusted unless the connection says so.
  expect([user.name, user.given_name, user.family_name, user.email_verified, user.status]).toEqual([
    'Alice Liddell',
    'Alice',
    'Liddell',
    false,
    'active',
  ]);
  expect((await linksOf(user.id)).map((l) => [l.connection_id, l.subject])).toEqual([[CONNECTION, `${TENANT}/oid-alice`]]);
  expect((await c.h.server.services.orgs.membershipsOf(user.id)).map((m) => [m.slug, m.role])).toEqual([['contoso', 'member']]);
  expect((await auditTypes(c.h.server, { userId: user.id })).map((e) => e.type)).toEqual(
    expect.arrayContaining(['sso.provisioned', 'login.success']),
  );
  expect(await c.h.server.services.accounts.passwordHash(user.id)).toBeUndefined();
});

test('the link is on (tenant id, object id): a changed email at the IdP still signs in the same account', async () => {
  c.idp.people.set('carol', { oid: 'oid-carol', email: 'carol@contoso.test' });
  const first = new PageClient(c.h.server.url);
  const one = await companySignIn(c, first, 'carol@contoso.test', 'carol');
  const sub = (await redeem(c.app, one.end, one.a)).claims()!.sub;
  c.idp.people.set('carol', { oid: 'oid-carol', email: 'carol.new@contoso.test' });
  const second = new PageClient(c.h.server.url);
  const two = await companySignIn(c, second, 'carol@contoso.test', 'carol');
  expect((await redeem(c.app, two.end, two.a)).claims()!.sub).toBe(sub);
  expect(await c.h.server.services.accounts.findUserByEmail('carol.new@contoso.test')).toBeUndefined();
});

test("upstream MFA trusted: the IdP's MFA counts as the second factor (amr mfa, acr mfa)", async () => {
  c.idp.people.set('dave', { oid: 'oid-dave', email: 'dave@contoso.test' });
  const page = new PageClient(c.h.server.url);
  const { a, end } = await companySignIn(c, page, 'dave@contoso.test', 'dave', { mfa: true });
  const claims = (await redeem(c.app, end, a)).claims()!;
  expect(claims.amr).toEqual(['fed', 'mfa']);
  expect(claims.acr).toBe('urn:wayfinder:acr:mfa');
});

test('an existing account is linked only when the connection trusts the email (never on an unverified email)', async () => {
  const bob = await addUser(c.h.server, 'bob@contoso.test');
  c.idp.people.set('bob', { oid: 'oid-bob', email: 'bob@contoso.test' });
  const refused = new PageClient(c.h.server.url);
  await companySignIn(c, refused, 'bob@contoso.test', 'bob');
  expect(refused.last.status).toBe(403);
  expect(refused.title()).toBe('Your company sign-in did not work');
  expect(pageText(refused.last.body)).toContain('We could not connect your company sign-in to an account here.');
  expect(await linksOf(bob.id)).toEqual([]);
  expect((await auditTypes(c.h.server, { type: 'sso.failed' })).some((e) => (e.data as any).reason === 'link_refused')).toBe(true);

  await c.configure({ trust_email: true, mfa_trust: 'trust' });
  try {
    const page = new PageClient(c.h.server.url);
    const { a, end } = await companySignIn(c, page, 'bob@contoso.test', 'bob');
    expect((await redeem(c.app, end, a)).claims()!.sub).toBe(bob.id);
    expect((await linksOf(bob.id)).map((l) => l.subject)).toEqual([`${TENANT}/oid-bob`]);
    expect((await auditTypes(c.h.server, { userId: bob.id })).map((e) => e.type)).toContain('sso.linked');
  } finally {
    await c.configure({ mfa_trust: 'trust' });
  }
});

test("an email outside the organization's verified domains is refused: no account, no link", async () => {
  c.idp.people.set('mallory', { oid: 'oid-mallory', email: 'mallory@elsewhere.test' });
  const page = new PageClient(c.h.server.url);
  await companySignIn(c, page, 'someone@contoso.test', 'mallory');
  expect(page.last.status).toBe(403);
  expect(pageText(page.last.body)).toContain('Your email address is not in a domain your organization has verified here.');
  expect(await c.h.server.services.accounts.findUserByEmail('mallory@elsewhere.test')).toBeUndefined();
});

test('the IdP refusing the sign-in gives a page that says what happened and what to do, and an audit event', async () => {
  c.idp.people.set('erin', { oid: 'oid-erin', email: 'erin@contoso.test' });
  c.idp.refuseNextSignIn();
  const page = new PageClient(c.h.server.url);
  const { a } = await companySignIn(c, page, 'erin@contoso.test', 'erin');
  expect(page.last.status).toBe(400);
  expect(page.title()).toBe('Your company sign-in did not work');
  expect(pageText(page.last.body)).toContain("Your company's identity provider did not sign you in.");
  expect(page.last.body).toContain(`/interaction/${a.uid}/sso/password`);
  const events = await auditTypes(c.h.server, { type: 'sso.failed' });
  expect(events.some((e) => (e.data as any).reason === 'idp_error' && String((e.data as any).detail).includes('access_denied'))).toBe(true);
  // "Try again" goes back through the same interaction to the IdP, and works.
  const again = await page.get(`/interaction/${a.uid}`);
  const end = await page.get(await upstreamSignIn(c.idp, again, 'erin'));
  expect((await redeem(c.app, end, a)).claims()!.amr).toEqual(['fed']);
});

test('a callback used twice is refused (single-use state), as is one for an unknown connection', async () => {
  c.idp.people.set('frank', { oid: 'oid-frank', email: 'frank@contoso.test' });
  const page = new PageClient(c.h.server.url);
  const a = await authorize(c.app, page);
  const toIdp = await page.post(`/interaction/${a.uid}/identify`, { email: 'frank@contoso.test' });
  const back = await upstreamSignIn(c.idp, toIdp, 'frank');
  expect((await page.get(back)).startsWith(REDIRECT_URI)).toBe(true);
  await page.get(back);
  expect(page.last.status).toBe(400);
  expect(pageText(page.last.body)).toContain('This sign-in took too long, or its answer was already used.');

  await page.get(back.replace(`/sso/callback/${CONNECTION}`, '/sso/callback/no-such-connection'));
  expect(page.last.status).toBe(404);
  expect(pageText(page.last.body)).toContain('This company sign-in does not exist here.');
});

test('a disabled connection stops home realm discovery and refuses answers still on their way', async () => {
  c.idp.people.set('gina', { oid: 'oid-gina', email: 'gina@contoso.test' });
  const page = new PageClient(c.h.server.url);
  const a = await authorize(c.app, page);
  const toIdp = await page.post(`/interaction/${a.uid}/identify`, { email: 'gina@contoso.test' });
  const back = await upstreamSignIn(c.idp, toIdp, 'gina');
  await c.h.server.features.connections.setEnabled(CONNECTION, false);
  try {
    await page.get(back);
    expect(page.last.status).toBe(403);
    expect(pageText(page.last.body)).toContain("Your company's sign-in is switched off here.");
    // With no enabled connection, the domain goes to the password step like any other.
    const other = new PageClient(c.h.server.url);
    const b = await authorize(c.app, other);
    await other.post(`/interaction/${b.uid}/identify`, { email: 'gina@contoso.test' });
    expect(other.title()).toBe('Enter your password');
  } finally {
    await c.h.server.features.connections.setEnabled(CONNECTION, true);
  }
});

test("a connection set to always require Wayfinder's second factor asks for it even after the IdP's MFA", async () => {
  await c.configure({ mfa_trust: 'require' });
  try {
    c.idp.people.set('henry', { oid: 'oid-henry', email: 'henry@contoso.test' });
    const page = new PageClient(c.h.server.url);
    const { a, end } = await companySignIn(c, page, 'henry@contoso.test', 'henry', { mfa: true });
    expect(end).toContain(`/interaction/${a.uid}/factor`);
    expect(page.title()).toMatch(/Set up two-step verification/);
    expect(page.cookie('wf_session')).toBeUndefined();
    const secret = /<code>([A-Z2-7 ]{16,})<\/code>/.exec(page.last.body)![1].replace(/ /g, '');
    await page.post(`/interaction/${a.uid}/factor/totp/enrol`, { code: await generate({ secret }) });
    const back = await page.post(`/interaction/${a.uid}/factor/continue`, {});
    const claims = (await redeem(c.app, back, a)).claims()!;
    expect(claims.amr).toEqual(['fed', 'otp', 'mfa']);
    expect(claims.acr).toBe('urn:wayfinder:acr:mfa');
  } finally {
    await c.configure({ mfa_trust: 'trust' });
  }
});

test("an ID token from another tenant than the connection's is refused", async () => {
  await c.configure({ mfa_trust: 'trust', tenant_id: '00000000-0000-0000-0000-000000000000' });
  try {
    c.idp.people.set('iris', { oid: 'oid-iris', email: 'iris@contoso.test' });
    const page = new PageClient(c.h.server.url);
    await companySignIn(c, page, 'iris@contoso.test', 'iris');
    expect(page.last.status).toBe(400);
    expect(pageText(page.last.body)).toContain('failed our security checks');
    expect(await c.h.server.services.accounts.findUserByEmail('iris@contoso.test')).toBeUndefined();
  } finally {
    await c.configure({ mfa_trust: 'trust' });
  }
});

test('a disabled organization: its domain no longer routes to its IdP, and an answer on its way is refused with a page', async () => {
  c.idp.people.set('kyle', { oid: 'oid-kyle', email: 'kyle@contoso.test' });
  const page = new PageClient(c.h.server.url);
  const a = await authorize(c.app, page);
  const back = await upstreamSignIn(c.idp, await page.post(`/interaction/${a.uid}/identify`, { email: 'kyle@contoso.test' }), 'kyle');
  await c.h.server.services.orgs.setStatus(c.orgId, 'disabled');
  try {
    await page.get(back);
    expect(page.last.status).toBe(403);
    expect(pageText(page.last.body)).toContain('Your organization is disabled here.');
    expect((await auditTypes(c.h.server, { type: 'sso.failed' })).some((e) => (e.data as any).reason === 'organization_disabled')).toBe(
      true,
    );
    const other = new PageClient(c.h.server.url);
    const b = await authorize(c.app, other);
    await other.post(`/interaction/${b.uid}/identify`, { email: 'kyle@contoso.test' });
    expect(other.title()).toBe('Enter your password');
  } finally {
    await c.h.server.services.orgs.setStatus(c.orgId, 'active');
  }
});
