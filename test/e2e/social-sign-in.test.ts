/**
 * Social sign-in end to end (real HTTP, real database, a second oidc-provider standing in for
 * Google): the linking rules. An identity signs in only when linked; it links from My account, or
 * at its first sign-in after proving the existing account (password or emailed code) — never
 * because the provider's email matches, unless trust_verified_email is on; sign-up per provider;
 * SSO-only members refused; the two-step policy after social exactly as after a password; tampered,
 * replayed and cancelled answers as translated pages with audit events; unlinking the last way in
 * refused.
 */
import { generate } from 'otplib';
import { PageClient } from '../helpers/browser.js';
import { addUser, auditTypes, authorize, newMail, openMyAccount, pageText, redeem, uniqueEmail } from '../helpers/sign-in.js';
import { oidcSocialSignIn, pressButton, startSocial, type Social } from '../helpers/social.js';
import { standInSignIn } from '../helpers/social-oidc.js';
import { switchSsoOnlyOn } from '../helpers/sso-only.js';

let s: Social;
beforeAll(async () => {
  s = await startSocial();
});
afterAll(() => s?.close());

const db = () => s.h.server.testDb.database.db;
const linksOf = (userId: string) => db().selectFrom('social_links').selectAll().where('user_id', '=', userId).execute();
const accounts = () => s.h.server.services.accounts;

test('the sign-in page shows one button per enabled provider, labelled with its name', async () => {
  const fresh = new PageClient(s.h.server.url);
  await authorize(s.app, fresh);
  const text = pageText(fresh.last.body);
  for (const name of ['Google', 'Microsoft', 'Apple', 'Facebook', 'LinkedIn', 'KeyVault ID'])
    expect(text).toContain(`Continue with ${name}`);
  await s.h.server.features.socialConnections.setEnabled('linkedin', false);
  try {
    const other = new PageClient(s.h.server.url);
    await authorize(s.app, other);
    expect(pageText(other.last.body)).not.toContain('Continue with LinkedIn');
  } finally {
    await s.h.server.features.socialConnections.setEnabled('linkedin', true);
  }
});

test('an unlinked identity does not sign in, even with the verified email of an existing account (no link by email)', async () => {
  const email = uniqueEmail('ada');
  const ada = await addUser(s.h.server, email);
  s.google.people.set('g-ada', { email, email_verified: true, name: 'Ada G' });
  const page = new PageClient(s.h.server.url);
  const { a, end } = await oidcSocialSignIn(s, page, s.google, 'google', 'g-ada');
  expect(end).toContain(`/interaction/${a.uid}/social/link`);
  expect(page.title()).toBe('Connect your Google account');
  expect(await linksOf(ada.id)).toEqual([]);
  expect((await auditTypes(s.h.server, { userId: ada.id })).map((e) => e.type)).not.toContain('login.success');
  // The password step of the same email is still there; a wrong password links nothing.
  await page.post(`/interaction/${a.uid}/social/link/password`, { email, password: 'not the password' });
  expect(page.last.status).toBe(400);
  expect(await linksOf(ada.id)).toEqual([]);
});

test('proof then link at the first sign-in (password): the app gets tokens, and next time the provider is enough', async () => {
  const email = uniqueEmail('bea');
  const bea = await addUser(s.h.server, email);
  s.google.people.set('g-bea', { email: 'someone.else@gmail.test', email_verified: true });
  const page = new PageClient(s.h.server.url);
  const { a } = await oidcSocialSignIn(s, page, s.google, 'google', 'g-bea');
  const end = await page.post(`/interaction/${a.uid}/social/link/password`, { email, password: 'correct horse battery staple' });
  const claims = (await redeem(s.app, end, a)).claims()!;
  expect(claims.sub).toBe(bea.id);
  expect(claims.amr).toEqual(['fed']);
  expect((await linksOf(bea.id)).map((l) => [l.connection_id, l.subject])).toEqual([['google', 'g-bea']]);
  expect((await auditTypes(s.h.server, { userId: bea.id })).map((e) => e.type)).toEqual(
    expect.arrayContaining(['social.linked', 'login.success']),
  );

  const again = new PageClient(s.h.server.url);
  const second = await oidcSocialSignIn(s, again, s.google, 'google', 'g-bea');
  expect((await redeem(s.app, second.end, second.a)).claims()!.sub).toBe(bea.id);
});

test('proof by an emailed code links the account', async () => {
  const email = uniqueEmail('cy');
  const cy = await addUser(s.h.server, email);
  s.google.people.set('g-cy', { email, email_verified: false });
  const page = new PageClient(s.h.server.url);
  const { a } = await oidcSocialSignIn(s, page, s.google, 'google', 'g-cy');
  const mail = await newMail(s.h.sink, email, /code/i, () => page.post(`/interaction/${a.uid}/social/link/send-code`, { email }));
  expect(pageText(page.last.body)).toContain(`If ${email} belongs to an account here, we sent it a code.`);
  const code = /\b(\d{6})\b/.exec(mail.text)![1];
  await page.post(`/interaction/${a.uid}/social/link/code`, { code: code === '000000' ? '111111' : '000000' });
  expect(page.last.status).toBe(400);
  const end = await page.post(`/interaction/${a.uid}/social/link/code`, { code });
  expect((await redeem(s.app, end, a)).claims()!.sub).toBe(cy.id);
  expect((await linksOf(cy.id)).map((l) => l.subject)).toEqual(['g-cy']);
});

test('link from My account, then sign in with it; the identity cannot be linked to a second account', async () => {
  const email = uniqueEmail('dee');
  const dee = await addUser(s.h.server, email);
  s.google.people.set('g-dee', { email: 'dee@gmail.test', email_verified: true });
  const page = new PageClient(s.h.server.url);
  await openMyAccount(page, email);
  expect(pageText(page.last.body)).toContain('Linked sign-ins');
  const toProvider = await page.post('/account/social/google/link', {});
  expect(toProvider.startsWith(s.google.origin)).toBe(true);
  const back = await standInSignIn(s.google, toProvider, 'g-dee');
  const end = await page.get(back);
  expect(end).toContain('/account?done=social_linked');
  expect(pageText(page.last.body)).toContain('The sign-in is connected');
  expect((await linksOf(dee.id)).map((l) => [l.subject, l.email])).toEqual([['g-dee', 'dee@gmail.test']]);

  const next = new PageClient(s.h.server.url);
  const signIn = await oidcSocialSignIn(s, next, s.google, 'google', 'g-dee');
  expect((await redeem(s.app, signIn.end, signIn.a)).claims()!.sub).toBe(dee.id);

  const other = await addUser(s.h.server, uniqueEmail('eve'));
  const evePage = new PageClient(s.h.server.url);
  await openMyAccount(evePage, other.email);
  const again = await standInSignIn(s.google, await evePage.post('/account/social/google/link', {}), 'g-dee');
  await evePage.get(again);
  expect(evePage.last.status).toBe(409);
  expect(await linksOf(other.id)).toEqual([]);
});

test('trust_verified_email: a verified email links its account at once; an unverified one still does not', async () => {
  const email = uniqueEmail('fay');
  const fay = await addUser(s.h.server, email);
  const gil = await addUser(s.h.server, uniqueEmail('gil'));
  s.google.people.set('g-fay', { email, email_verified: true });
  s.google.people.set('g-gil', { email: gil.email, email_verified: false });
  await s.configure('google', { trust_verified_email: true });
  try {
    const page = new PageClient(s.h.server.url);
    const { a, end } = await oidcSocialSignIn(s, page, s.google, 'google', 'g-fay');
    expect((await redeem(s.app, end, a)).claims()!.sub).toBe(fay.id);
    expect((await linksOf(fay.id)).map((l) => l.subject)).toEqual(['g-fay']);
    const other = new PageClient(s.h.server.url);
    const refused = await oidcSocialSignIn(s, other, s.google, 'google', 'g-gil');
    expect(refused.end).toContain('/social/link');
    expect(await linksOf(gil.id)).toEqual([]);
  } finally {
    await s.configure('google');
  }
});

test('sign-up is off by default; on, a verified email creates the account at once and an unverified one after a code', async () => {
  const email = uniqueEmail('hal');
  s.google.people.set('g-hal', { email, email_verified: true, name: 'Hal Jordan', given_name: 'Hal', family_name: 'Jordan' });
  const page = new PageClient(s.h.server.url);
  const { a } = await oidcSocialSignIn(s, page, s.google, 'google', 'g-hal');
  expect(page.last.body).not.toContain('/social/signup');
  await page.post(`/interaction/${a.uid}/social/signup`, {});
  expect(page.last.status).toBe(403);
  expect(pageText(page.last.body)).toContain('New accounts cannot be created with this provider here.');
  expect(await accounts().findUserByEmail(email)).toBeUndefined();

  await s.configure('google', { allow_sign_up: true });
  try {
    const on = new PageClient(s.h.server.url);
    const first = await oidcSocialSignIn(s, on, s.google, 'google', 'g-hal');
    expect(on.last.body).toContain('/social/signup');
    const end = await on.post(`/interaction/${first.a.uid}/social/signup`, {});
    const hal = (await accounts().findUserByEmail(email))!;
    expect((await redeem(s.app, end, first.a)).claims()!.sub).toBe(hal.id);
    expect([hal.name, hal.email_verified, hal.status]).toEqual(['Hal Jordan', true, 'active']);
    expect(await accounts().passwordHash(hal.id)).toBeUndefined();

    const unverified = uniqueEmail('ivy');
    s.google.people.set('g-ivy', { email: unverified, email_verified: false });
    const ivyPage = new PageClient(s.h.server.url);
    const ivy = await oidcSocialSignIn(s, ivyPage, s.google, 'google', 'g-ivy');
    const mail = await newMail(s.h.sink, unverified, /code/i, () => ivyPage.post(`/interaction/${ivy.a.uid}/social/signup`, {}));
    expect(await accounts().findUserByEmail(unverified)).toBeUndefined();
    const done = await ivyPage.post(`/interaction/${ivy.a.uid}/social/link/code`, { code: /\b(\d{6})\b/.exec(mail.text)![1] });
    const created = (await accounts().findUserByEmail(unverified))!;
    expect((await redeem(s.app, done, ivy.a)).claims()!.sub).toBe(created.id);
    expect(created.email_verified).toBe(true);
  } finally {
    await s.configure('google');
  }
});

test('a member of an SSO-only organization cannot sign in with a social account: a page points to company sign-in', async () => {
  const jo = await addUser(s.h.server, uniqueEmail('jo'));
  const orgId = await s.h.server.services.orgs.upsert({ id: 'org-initech', slug: 'initech', name: 'Initech' });
  await s.h.server.services.orgs.addMember(orgId, jo.id, 'member');
  await s.h.server.features.socialStore.link({ connection_id: 'google', subject: 'g-jo', user_id: jo.id, email: null, name: null });
  await switchSsoOnlyOn(s.h.server.services.db, orgId);
  s.google.people.set('g-jo', { email: jo.email, email_verified: true });
  const page = new PageClient(s.h.server.url);
  const { a } = await oidcSocialSignIn(s, page, s.google, 'google', 'g-jo');
  expect(page.last.status).toBe(403);
  expect(pageText(page.last.body)).toContain('Your organization asks you to sign in with your company ID, not with a social account.');
  expect(page.last.body).toContain(`/interaction/${a.uid}/company`);
  expect(
    (await auditTypes(s.h.server, { userId: jo.id })).some((e) => e.type === 'login.denied' && (e.data as any).reason === 'login.sso_only'),
  ).toBe(true);
});

test('the two-step policy applies after a social sign-in exactly as after a password (social is not a second factor)', async () => {
  const kim = await addUser(s.h.server, uniqueEmail('kim'));
  const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
  const store = s.h.server.features.factorStore;
  await store.insertFactor({
    user_id: kim.id,
    kind: 'totp',
    label: 'phone',
    secret_enc: s.h.server.services.box.seal(secret, 'factor-secret'),
    confirmed: true,
  });
  await s.h.server.features.socialStore.link({ connection_id: 'google', subject: 'g-kim', user_id: kim.id, email: null, name: null });
  s.google.people.set('g-kim', { email: kim.email, email_verified: true });
  const page = new PageClient(s.h.server.url);
  const { a, end } = await oidcSocialSignIn(s, page, s.google, 'google', 'g-kim');
  expect(end).toContain(`/interaction/${a.uid}/factor`);
  const done = await page.post(`/interaction/${a.uid}/factor/totp/verify`, { code: await generate({ secret }) });
  const claims = (await redeem(s.app, done, a)).claims()!;
  expect(claims.sub).toBe(kim.id);
  expect(claims.amr).toEqual(expect.arrayContaining(['fed', 'mfa']));
  expect(claims.acr).toBe('urn:wayfinder:acr:mfa');
});

test('a tampered state, a replayed callback and a cancelled consent: translated pages with a way back and audit events', async () => {
  const lee = await addUser(s.h.server, uniqueEmail('lee'));
  await s.h.server.features.socialStore.link({ connection_id: 'google', subject: 'g-lee', user_id: lee.id, email: null, name: null });
  s.google.people.set('g-lee', { email: lee.email, email_verified: true });
  const page = new PageClient(s.h.server.url);
  const { a, toProvider } = await pressButton(s, page, 'google');
  const back = await standInSignIn(s.google, toProvider, 'g-lee');
  const tampered = new URL(back);
  tampered.searchParams.set('state', `${tampered.searchParams.get('state')}x`);
  await page.get(tampered.toString());
  expect(page.last.status).toBe(400);
  expect(page.title()).toBe('Signing in with that account did not work');
  expect(pageText(page.last.body)).toContain('This sign-in took too long, or its answer was already used.');
  const end = await page.get(back);
  expect((await redeem(s.app, end, a)).claims()!.sub).toBe(lee.id);
  await page.get(back);
  expect(page.last.status).toBe(400);
  expect(pageText(page.last.body)).toContain('This sign-in took too long, or its answer was already used.');
  const failed = await auditTypes(s.h.server, { type: 'social.failed' });
  expect(failed.filter((e) => (e.data as any).reason === 'expired').length).toBeGreaterThanOrEqual(2);

  s.google.refuseNextSignIn();
  const other = new PageClient(s.h.server.url);
  const cancelled = await pressButton(s, other, 'google');
  await other.get(await standInSignIn(s.google, cancelled.toProvider, 'g-lee'));
  expect(other.last.status).toBe(400);
  expect(pageText(other.last.body)).toContain('You cancelled signing in with the provider, so nothing was shared.');
  expect(other.last.body).toContain(`href="/interaction/${cancelled.a.uid}"`);
  expect((await auditTypes(s.h.server, { type: 'social.failed' })).some((e) => (e.data as any).reason === 'cancelled')).toBe(true);
  // The way back works: the same interaction signs in.
  const again = await other.get(`/interaction/${cancelled.a.uid}`);
  expect(again).toContain(`/interaction/${cancelled.a.uid}`);
  const retry = await other.post(`/interaction/${cancelled.a.uid}/social/google/start`, {});
  expect((await redeem(s.app, await other.get(await standInSignIn(s.google, retry, 'g-lee')), cancelled.a)).claims()!.sub).toBe(lee.id);
});

test('unlinking is refused when it is the last way in, and allowed when a password remains', async () => {
  const email = uniqueEmail('max');
  s.google.people.set('g-max', { email, email_verified: true });
  await s.configure('google', { allow_sign_up: true });
  const page = new PageClient(s.h.server.url);
  try {
    const url = await page.get('/account');
    const uid = /\/interaction\/([^/?#]+)/.exec(url)![1];
    const back = await standInSignIn(s.google, await page.post(`/interaction/${uid}/social/google/start`, {}), 'g-max');
    await page.get(back);
    await page.post(`/interaction/${uid}/social/signup`, {});
  } finally {
    await s.configure('google');
  }
  expect(page.title()).toBe('My account');
  await page.post('/account/social/google/unlink', {});
  expect(page.last.status).toBe(409);
  expect(pageText(page.last.body)).toContain('It is your only way to sign in.');
  const max = (await accounts().findUserByEmail(email))!;
  expect((await linksOf(max.id)).length).toBe(1);
  expect((await auditTypes(s.h.server, { userId: max.id })).map((e) => e.type)).toContain('social.unlink_refused');

  const nia = await addUser(s.h.server, uniqueEmail('nia'));
  await s.h.server.features.socialStore.link({ connection_id: 'google', subject: 'g-nia', user_id: nia.id, email: null, name: null });
  const niaPage = new PageClient(s.h.server.url);
  await openMyAccount(niaPage, nia.email);
  const end = await niaPage.post('/account/social/google/unlink', {});
  expect(end).toContain('done=social_unlinked');
  expect(await linksOf(nia.id)).toEqual([]);
});
