/**
 * Provisioning meets sign-in, end to end with real parts: Contoso's Entra-like IdP (a second
 * oidc-provider, tid/oid claims) and Wayfinder's app (openid-client). A person provisioned over SCIM
 * with externalId = their object id lands, at their first company sign-in, on the provisioned
 * account (matched on the stable subject even when the IdP sends another email): no second account.
 * An account provisioned with another subject is never linked by email. Deactivation over SCIM
 * ends the session and revokes a live refresh token at once; reactivation lets the person back in.
 * In an SSO-only organization a provisioned person signs in only through the company IdP.
 */
import { randomUUID } from 'node:crypto';
import { PageClient } from '../helpers/browser.js';
import { CONNECTION, companySignIn, startCompany, TENANT, type Company } from '../helpers/company.js';
import { oidc } from '../helpers/rp.js';
import { scimClient, type ScimClient } from '../helpers/scim.js';
import { auditTypes, authorize, pageText, PASSWORD, redeem, sessionRows } from '../helpers/sign-in.js';
import { REDIRECT_URI } from '../helpers/rp.js';
import { switchSsoOnlyOn } from '../helpers/sso-only.js';

const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
let c: Company;
let scim: ScimClient;

beforeAll(async () => {
  // The connection trusts Entra's email: even so, a provisioned account is linked only by subject.
  c = await startCompany({ trust_email: true });
  const { token } = await c.h.server.features.provisioning.tokens.create(undefined, { via: 'cli' }, c.orgId, 'Entra provisioning');
  scim = scimClient(c.h.server, token);
});
afterAll(() => c?.close());

const db = () => c.h.server.testDb.database.db;
const provision = async (email: string, oid: string) => {
  const res = await scim.post('/Users', {
    schemas: [CORE],
    userName: email,
    externalId: oid,
    active: true,
    emails: [{ primary: true, type: 'work', value: email }],
    name: { givenName: 'Ada', familyName: 'Lovelace' },
  });
  expect(res.status).toBe(201);
  return res.body.id as string;
};

test('the first company sign-in lands on the provisioned account, matched on the object id (not on the email)', async () => {
  const oid = randomUUID();
  const id = await provision('ada@contoso.test', oid);
  // The IdP sends another address than the one provisioned: the object id decides.
  c.idp.people.set('ada', { oid, email: 'ada.lovelace@contoso.test', name: 'Ada Lovelace' });
  const page = new PageClient(c.h.server.url);
  const { a, end } = await companySignIn(c, page, 'ada@contoso.test', 'ada');
  const claims = (await redeem(c.app, end, a)).claims()!;
  expect(claims.sub).toBe(id);
  expect(await db().selectFrom('linked_identities').select(['connection_id', 'subject']).where('user_id', '=', id).execute()).toEqual([
    { connection_id: CONNECTION, subject: `${TENANT}/${oid}` },
  ]);
  expect(await c.h.server.services.accounts.findUserByEmail('ada.lovelace@contoso.test')).toBeUndefined();
  const linked = await auditTypes(c.h.server, { userId: id, type: 'sso.linked' });
  expect(linked.map((e) => (e.data as any).matched)).toEqual(['scim']);
  expect(await auditTypes(c.h.server, { type: 'sso.provisioned' })).toEqual([]);
});

test('an account provisioned with another subject is never linked by email, even with a trusted email', async () => {
  const id = await provision('ben@contoso.test', randomUUID());
  c.idp.people.set('ben', { oid: randomUUID(), email: 'ben@contoso.test' });
  const page = new PageClient(c.h.server.url);
  await companySignIn(c, page, 'ben@contoso.test', 'ben');
  expect(page.last.status).toBe(403);
  expect(await db().selectFrom('linked_identities').select('subject').where('user_id', '=', id).execute()).toEqual([]);
  expect((await auditTypes(c.h.server, { type: 'sso.failed' })).some((e) => (e.data as any).reason === 'link_refused')).toBe(true);
});

test('active: false over SCIM ends the session and revokes a live refresh token at once; active: true lets the person back in', async () => {
  const oid = randomUUID();
  const id = await provision('cleo@contoso.test', oid);
  c.idp.people.set('cleo', { oid, email: 'cleo@contoso.test' });
  const page = new PageClient(c.h.server.url);
  const { a, end } = await companySignIn(c, page, 'cleo@contoso.test', 'cleo');
  const tokens = await redeem(c.app, end, a);
  expect(tokens.refresh_token).toBeTruthy();
  const refreshed = await oidc.refreshTokenGrant(c.app, tokens.refresh_token!);
  expect((await sessionRows(c.h.server, id)).length).toBe(1);

  const off = await scim.patch(`/Users/${id}`, [{ op: 'Replace', path: 'active', value: 'False' }]);
  expect([off.status, off.body.active]).toEqual([200, false]);
  await expect(oidc.refreshTokenGrant(c.app, refreshed.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  expect(await sessionRows(c.h.server, id)).toEqual([]);
  const deactivated = await auditTypes(c.h.server, { userId: id, type: 'scim.user_deactivated' });
  expect((deactivated[0].data as any).endedSessions).toBe(1);
  // Disabled: the company sign-in is refused by the gate.
  const refused = new PageClient(c.h.server.url);
  await companySignIn(c, refused, 'cleo@contoso.test', 'cleo');
  expect(refused.last.status).toBeGreaterThanOrEqual(400);

  const on = await scim.patch(`/Users/${id}`, [{ op: 'Replace', path: 'active', value: 'True' }]);
  expect([on.status, on.body.active]).toEqual([200, true]);
  const again = new PageClient(c.h.server.url);
  const back = await companySignIn(c, again, 'cleo@contoso.test', 'cleo');
  expect((await redeem(c.app, back.end, back.a)).claims()!.sub).toBe(id);
});

test('DELETE over SCIM also signs the person out everywhere', async () => {
  const oid = randomUUID();
  const id = await provision('dan@contoso.test', oid);
  c.idp.people.set('dan', { oid, email: 'dan@contoso.test' });
  const page = new PageClient(c.h.server.url);
  const { a, end } = await companySignIn(c, page, 'dan@contoso.test', 'dan');
  const tokens = await redeem(c.app, end, a);
  expect((await scim.delete(`/Users/${id}`)).status).toBe(204);
  await expect(oidc.refreshTokenGrant(c.app, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  expect((await c.h.server.services.accounts.findUser(id))!.status).toBe('disabled');
});

test('in an SSO-only organization a provisioned person signs in only through the company IdP (even with a password)', async () => {
  const oid = randomUUID();
  const id = await provision('eve@contoso.test', oid);
  await c.h.server.services.users.setPassword({ id, email: 'eve@contoso.test' }, PASSWORD);
  await switchSsoOnlyOn(c.h.server.services.db, c.orgId);
  const page = new PageClient(c.h.server.url);
  const a = await authorize(c.app, page);
  await page.post(`/interaction/${a.uid}/identify`, { email: 'eve@contoso.test' });
  await page.get(`/interaction/${a.uid}/sso/password`);
  const end = await page.post(`/interaction/${a.uid}/password`, { password: PASSWORD });
  expect(end.startsWith(REDIRECT_URI)).toBe(false);
  expect(page.last.status).toBe(403);
  expect(pageText(page.last.body)).toContain('Your organization requires you to sign in with your company ID.');
  c.idp.people.set('eve', { oid, email: 'eve@contoso.test' });
  const sso = new PageClient(c.h.server.url);
  const back = await companySignIn(c, sso, 'eve@contoso.test', 'eve');
  expect((await redeem(c.app, back.end, back.a)).claims()!.sub).toBe(id);
});
