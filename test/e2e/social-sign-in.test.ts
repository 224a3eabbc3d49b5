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
  for (const name of ['Google', 'Microsoft', 'Apple', 'Facebook', 'LinkedIn', 'KeyVault ID']) expect(text).toContain(`Continue with ${name}`);
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
  expect((await auditTypes(s.h.server, { userId: bea.id })).map((e) => e.type)).toEqual(expect.arrayContaining(['social.linked', 'login.success']));

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
