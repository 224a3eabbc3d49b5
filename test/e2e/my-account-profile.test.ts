/**
 * My account, finished (issue 11, issue 16): the profile (name; an email change confirmed by a link
 * mailed over real SMTP to the new address, the old one told), the language preference applied to
 * pages and mail, linked sign-ins that cannot remove the last way in, session rows that disappear
 * when their session ends, and the password change that signs out the other devices.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { PageClient } from '../helpers/browser.js';
import { oidc } from '../helpers/rp.js';
import {
  addApp,
  addUser,
  auditTypes,
  authorize,
  NEW_PASSWORD,
  newMail,
  openMyAccount,
  PASSWORD,
  pageText,
  sessionRows,
  signIn,
  startWithMail,
  uniqueEmail,
  type Harness,
} from '../helpers/sign-in.js';

let h: Harness;
let app: Awaited<ReturnType<typeof addApp>>;
const db = () => h.server.testDb.database.db;

beforeAll(async () => {
  h = await startWithMail();
  app = await addApp(h.server, 'profile-notes', { name: 'Notes' });
});
afterAll(async () => {
  await h?.close();
});

const tokenOf = (link: string) => new URL(link).searchParams.get('token')!;
const sessionIds = (html: string) => [...html.matchAll(/action="\/account\/sessions\/([^/"]+)\/sign-out"/g)].map((m) => m[1]);
const events = async (userId: string) => (await auditTypes(h.server, { userId })).map((e: { type: string }) => e.type);

async function askForEmailChange(page: PageClient, to: string, password = PASSWORD) {
  return newMail(h.sink, to, /Confirm your new email address/, () =>
    page.post('/account/email', { email: to, current_password: password }),
  );
}

describe('email change', () => {
  test('a link to the new address changes it; the old address is told and no longer signs in; the link works once', async () => {
    const oldEmail = uniqueEmail('mover');
    const newEmail = uniqueEmail('moved');
    const user = await addUser(h.server, oldEmail);
    const page = new PageClient(h.server.url);
    await openMyAccount(page, oldEmail);

    // The current password is needed, and checked.
    await page.post('/account/email', { email: newEmail, current_password: 'not my password' });
    expect(page.last.status).toBe(400);
    expect(pageText(page.last.body)).toContain('Your current password is not right');
    await page.post('/account/email', { email: newEmail, current_password: '' });
    expect(page.last.status).toBe(400);
    await page.post('/account/email', { email: 'not an address', current_password: PASSWORD });
    expect(page.last.status).toBe(400);
    expect(h.sink.inbox.some((m) => m.to.includes(newEmail))).toBe(false);

    const mail = await askForEmailChange(page, newEmail);
    expect(page.last.status).toBe(200);
    expect(pageText(page.last.body)).toContain(`We sent a link to ${newEmail}`);
    expect(mail.text).toContain(newEmail);
    expect(mail.text).toMatch(/works for 1 hour/);
    const link = h.sink.linkIn(mail);
    expect(link).toContain('/account/email/confirm?token=');
    // The token is stored only as a hash.
    const stored = await db()
      .selectFrom('action_tokens')
      .select(['id_hash', 'new_email'])
      .where('user_id', '=', user.id)
      .where('purpose', '=', 'change_email')
      .execute();
    expect(stored).toEqual([{ id_hash: expect.any(String), new_email: newEmail }]);
    expect(stored[0].id_hash).not.toBe(tokenOf(link));
    // Nothing changed yet.
    expect((await h.server.services.accounts.findUser(user.id))!.email).toBe(oldEmail);

    // Opened elsewhere (a mail client's browser): the GET shows what will happen and changes nothing.
    const mailbox = new PageClient(h.server.url);
    await mailbox.get(link);
    expect(mailbox.last.status).toBe(200);
    expect(pageText(mailbox.last.body)).toContain(`Use ${newEmail} instead of ${oldEmail}`);
    await mailbox.get(link);
    expect(mailbox.last.status).toBe(200);

    const notice = await newMail(h.sink, oldEmail, /Your email address was changed/, () =>
      mailbox.post('/account/email/confirm', { token: tokenOf(link) }),
    );
    expect(mailbox.last.status).toBe(200);
    expect(pageText(mailbox.last.body)).toContain(`Your address is now ${newEmail}`);
    expect(notice.text).toContain(newEmail);
    const row = await db()
      .selectFrom('users')
      .select(['email', 'email_norm', 'email_verified'])
      .where('id', '=', user.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ email: newEmail, email_norm: newEmail.toLowerCase(), email_verified: true });
    expect(await events(user.id)).toEqual(expect.arrayContaining(['email.change_requested', 'email.changed']));

    // Single use.
    await mailbox.get('/signup');
    await mailbox.post('/account/email/confirm', { token: tokenOf(link) });
    expect(mailbox.last.status).toBe(400);
    expect(pageText(mailbox.last.body)).toContain('This link has expired or was already used');
    await mailbox.get(link);
    expect(mailbox.last.status).toBe(400);

    // The old address no longer signs in; the new one does.
    await expect(signIn(app, new PageClient(h.server.url), oldEmail)).rejects.toThrow(/did not return to the app/);
    expect((await signIn(app, new PageClient(h.server.url), newEmail)).claims()!.sub).toBe(user.id);
  });

  test('an expired link is refused and changes nothing', async () => {
    const oldEmail = uniqueEmail('slow');
    const newEmail = uniqueEmail('slow-new');
    const user = await addUser(h.server, oldEmail);
    const page = new PageClient(h.server.url);
    await openMyAccount(page, oldEmail);
    const link = h.sink.linkIn(await askForEmailChange(page, newEmail));
    await db()
      .updateTable('action_tokens')
      .set({ expires_at: sql`now() - interval '1 second'` })
      .where('user_id', '=', user.id)
      .where('purpose', '=', 'change_email')
      .execute();
    const other = new PageClient(h.server.url);
    await other.get(link);
    expect(other.last.status).toBe(400);
    await other.get('/signup');
    await other.post('/account/email/confirm', { token: tokenOf(link) });
    expect(other.last.status).toBe(400);
    expect((await h.server.services.accounts.findUser(user.id))!.email).toBe(oldEmail);
  });

  test('a newer request retires the earlier link', async () => {
    const email = uniqueEmail('twice');
    const user = await addUser(h.server, email);
    const page = new PageClient(h.server.url);
    await openMyAccount(page, email);
    const first = h.sink.linkIn(await askForEmailChange(page, uniqueEmail('first')));
    await page.get('/account');
    const second = uniqueEmail('second');
    const next = h.sink.linkIn(await askForEmailChange(page, second));
    const other = new PageClient(h.server.url);
    await other.get(first);
    expect(other.last.status).toBe(400);
    await other.get(next);
    await other.post('/account/email/confirm', { token: tokenOf(next) });
    expect((await h.server.services.accounts.findUser(user.id))!.email).toBe(second);
  });

  test('an address taken by the time of confirmation is refused (409) and nothing changes', async () => {
    const email = uniqueEmail('late');
    const wanted = uniqueEmail('wanted');
    const user = await addUser(h.server, email);
    const page = new PageClient(h.server.url);
    await openMyAccount(page, email);
    const link = h.sink.linkIn(await askForEmailChange(page, wanted));
    const holder = await addUser(h.server, wanted.toUpperCase());
    const mailbox = new PageClient(h.server.url);
    await mailbox.get(link);
    await mailbox.post('/account/email/confirm', { token: tokenOf(link) });
    expect(mailbox.last.status).toBe(409);
    expect(pageText(mailbox.last.body)).toContain('This address already belongs to another account');
    expect((await h.server.services.accounts.findUser(user.id))!.email).toBe(email);
    expect((await h.server.services.accounts.findUser(holder.id))!.email).toBe(wanted.toUpperCase());
    expect(await events(user.id)).toContain('email.change_refused');
  });

  test('asking for an address that is taken answers like any other (no enumeration)', async () => {
    const email = uniqueEmail('asker');
    const taken = uniqueEmail('taken');
    await addUser(h.server, email);
    await addUser(h.server, taken);
    const page = new PageClient(h.server.url);
    await openMyAccount(page, email);
    await askForEmailChange(page, taken);
    const answerTaken = pageText(page.last.body).replace(taken, 'X');
    const free = uniqueEmail('free');
    await page.get('/account');
    await askForEmailChange(page, free);
    expect(pageText(page.last.body).replace(free, 'X')).toBe(answerTaken);
  });

  test('an account provisioned over SCIM cannot change its address here (the page says why)', async () => {
    const email = uniqueEmail('provisioned');
    const user = await addUser(h.server, email);
    const orgId = randomUUID();
    await db()
      .insertInto('organizations')
      .values({ id: orgId, slug: `org-${orgId.slice(0, 8)}`, name: 'Provisioned Co' })
      .execute();
    await db()
      .insertInto('scim_users')
      .values({ user_id: user.id, org_id: orgId, user_name: email, emails_norm: JSON.stringify([]), resource: JSON.stringify({}) })
      .execute();
    const page = new PageClient(h.server.url);
    await openMyAccount(page, email);
    expect(pageText(page.last.body)).toContain('Your organization manages this address');
    expect(page.last.body).not.toContain('action="/account/email');
    await page.post('/account/email', { email: uniqueEmail('elsewhere'), current_password: PASSWORD });
    expect(page.last.status).toBe(403);
    expect(await events(user.id)).toContain('email.change_refused');
  });
});

describe('email change: who may ask, and what it ends', () => {
  test('without a password, a second factor passed in the last minutes stands in for it', async () => {
    const email = uniqueEmail('no-password');
    const next = uniqueEmail('no-password-new');
    const user = await addUser(h.server, email);
    const page = new PageClient(h.server.url);
    await openMyAccount(page, email);
    await db().deleteFrom('password_credentials').where('user_id', '=', user.id).execute();
    await page.get('/account');
    expect(page.last.body).toContain('href="/account/email/confirm-factor"');
    await page.post('/account/email', { email: next });
    expect(page.last.status).toBe(400);
    expect(pageText(page.last.body)).toContain("first confirm it's you");
    // The confirmation is a new two-step sign-in (the multi-factor class, max_age=0), back to My account.
    const stepUp = await page.get('/account/email/confirm-factor');
    expect(stepUp).toContain('/interaction/');
    // A session that passed a second factor a moment ago may ask.
    const sid = page.cookie('wf_session')!;
    const row = await db().selectFrom('oidc_models').select('payload').where('id', '=', sid).executeTakeFirstOrThrow();
    const fresh = { ...(row.payload as Record<string, unknown>), amr: ['pwd', 'mfa'], loginTs: Math.floor(Date.now() / 1000) };
    await db()
      .updateTable('oidc_models')
      .set({ payload: JSON.stringify(fresh) })
      .where('id', '=', sid)
      .execute();
    await page.get('/account');
    expect(page.last.body).not.toContain('href="/account/email/confirm-factor"');
    await newMail(h.sink, next, /Confirm your new email address/, () => page.post('/account/email', { email: next }));
    expect(page.last.status).toBe(200);
  });

  test('security: links mailed to the old address (a password reset) stop working once the address changes', async () => {
    const email = uniqueEmail('old-links');
    const next = uniqueEmail('old-links-new');
    const user = await addUser(h.server, email);
    const stranger = new PageClient(h.server.url);
    await stranger.get('/password/forgot');
    const reset = await newMail(h.sink, email, /Reset your password/, () => stranger.post('/password/forgot', { email }));
    const resetLink = h.sink.linkIn(reset);
    const page = new PageClient(h.server.url);
    await openMyAccount(page, email);
    const link = h.sink.linkIn(await askForEmailChange(page, next));
    const mailbox = new PageClient(h.server.url);
    await mailbox.get(link);
    await mailbox.post('/account/email/confirm', { token: tokenOf(link) });
    expect((await h.server.services.accounts.findUser(user.id))!.email).toBe(next);
    // Whoever still reads the old mailbox cannot take the account back with the earlier link.
    const old = new PageClient(h.server.url);
    await old.get(resetLink);
    expect(old.last.status).toBe(400);
    await old.get('/signup');
    await old.post('/password/reset', { token: tokenOf(resetLink), password: NEW_PASSWORD });
    expect(old.last.status).toBe(400);
    expect(await h.server.services.users.hasPassword(user.id, PASSWORD)).toBe(true);
  });
});

describe('profile and language', () => {
  test('the name is saved; the language preference changes the page at once, beats the app, and is used for mail', async () => {
    const email = uniqueEmail('polyglot');
    const user = await addUser(h.server, email);
    const page = new PageClient(h.server.url);
    await openMyAccount(page, email);
    await page.post('/account/profile', { name: 'Zoë Example' });
    expect(page.last.url).toContain('done=profile');
    expect((await h.server.services.accounts.findUser(user.id))!.name).toBe('Zoë Example');
    await page.post('/account/profile', { name: 'x'.repeat(201) });
    expect(page.last.status).toBe(400);

    // The page's own language selector still works beside the preference (its links carry ?lang=).
    expect(page.last.body).toMatch(/<a href="[^"]*(\?|&amp;)lang=de" lang="de"/);
    await page.post('/account/language', { locale: 'fr' });
    expect(page.last.body).toContain('<html lang="fr"');
    expect(page.last.body).toMatch(/<a href="[^"]*(\?|&amp;)lang=fr" lang="fr" hreflang="fr" aria-current="true"/);
    expect(page.title()).toBe('Mon compte');
    expect((await h.server.services.accounts.findUser(user.id))!.locale).toBe('fr');
    await page.post('/account/language', { locale: 'klingon' });
    expect(page.last.status).toBe(400);

    // Another browser, which asks for English: once signed in, the person's preference wins.
    const laptop = new PageClient(h.server.url, { 'accept-language': 'en-US,en;q=0.9' });
    await openMyAccount(laptop, email);
    expect(laptop.title()).toBe('Mon compte');
    // An explicit choice in this browser beats the preference.
    await laptop.get('/account?lang=de');
    expect(laptop.title()).toBe('Mein Konto');
    await laptop.get('/account');
    expect(laptop.title()).toBe('Mein Konto');

    // Mail to the person follows the preference too, even when asked for from an English browser.
    const stranger = new PageClient(h.server.url, { 'accept-language': 'en' });
    await stranger.get('/password/forgot');
    const reset = await newMail(h.sink, email, /./, () => stranger.post('/password/forgot', { email }));
    expect(reset.subject).toBe('Réinitialisez votre mot de passe');
    expect(reset.html).toContain('<html lang="fr"');
    // And the email-change link goes in the person's language.
    const next = uniqueEmail('polyglot-new');
    await page.get('/account');
    const change = await newMail(h.sink, next, /./, () => page.post('/account/email', { email: next, current_password: PASSWORD }));
    expect(change.subject).toBe('Confirmez votre nouvelle adresse e-mail');
    // Its page, opened in a mail client's English browser, speaks the person's language too.
    const mailbox = new PageClient(h.server.url, { 'accept-language': 'en' });
    await mailbox.get(h.sink.linkIn(change));
    expect(mailbox.last.body).toContain('<html lang="fr"');
  });
});

test("once known (after the password), the person's language beats the app's ui_locales: the factor page and the code mail", async () => {
  const email = uniqueEmail('francophone');
  const user = await h.server.services.users.create({ email, password: PASSWORD, email_verified: true, locale: 'fr' });
  await h.server.features.factorStore.insertFactor({ user_id: user.id, kind: 'email', label: email, confirmed: true });
  const page = new PageClient(h.server.url, { 'accept-language': 'en' });
  const a = await authorize(app, page, { ui_locales: 'de' });
  // Before the password the person is not known: the app's language (German), whoever types the address.
  await page.post(`/interaction/${a.uid}/identify`, { email });
  expect(page.last.body).toContain('<html lang="de"');
  const code = await newMail(h.sink, email, /./, () => page.post(`/interaction/${a.uid}/password`, { password: PASSWORD }));
  expect(page.last.url).toContain('/factor');
  expect(page.last.body).toContain('<html lang="fr"');
  expect(code.html).toContain('<html lang="fr"');
  expect(code.subject).toMatch(/^Votre code Wayfinder/);
});

describe('linked sign-ins', () => {
  async function company(userId: string) {
    const orgId = randomUUID();
    const id = `conn-${orgId.slice(0, 8)}`;
    await db()
      .insertInto('organizations')
      .values({ id: orgId, slug: `co-${orgId.slice(0, 8)}`, name: 'Acme' })
      .execute();
    await db()
      .insertInto('connections')
      .values({ id, org_id: orgId, kind: 'oidc', name: 'Acme Entra', enabled: true, settings: JSON.stringify({}) })
      .execute();
    await db()
      .insertInto('linked_identities')
      .values({ connection_id: id, subject: `sub-${randomUUID()}`, user_id: userId })
      .execute();
    return id;
  }
  async function social(userId: string) {
    const id = `google-${randomUUID().slice(0, 8)}`;
    await db()
      .insertInto('social_connections')
      .values({ id, provider: 'google', name: 'Google', enabled: true, settings: JSON.stringify({}) })
      .execute();
    await db()
      .insertInto('social_links')
      .values({ connection_id: id, subject: `g-${randomUUID()}`, user_id: userId, email: null, name: null })
      .execute();
    return id;
  }
  const linksOf = async (userId: string) => ({
    company: (await db().selectFrom('linked_identities').select('connection_id').where('user_id', '=', userId).execute()).length,
    social: (await db().selectFrom('social_links').select('connection_id').where('user_id', '=', userId).execute()).length,
  });

  test('with a password, a company ID link is shown and can be disconnected (audited)', async () => {
    const email = uniqueEmail('linked');
    const user = await addUser(h.server, email);
    const conn = await company(user.id);
    const page = new PageClient(h.server.url);
    await openMyAccount(page, email);
    expect(pageText(page.last.body)).toContain('Company ID · Acme');
    expect(page.last.body).toContain(`/account/links/company/${conn}/disconnect`);
    await page.post(`/account/links/company/${conn}/disconnect`, {});
    expect(page.last.url).toContain('done=link_removed');
    expect(await linksOf(user.id)).toEqual({ company: 0, social: 0 });
    expect(await events(user.id)).toContain('sso.unlinked');
  });

  test('the last way in cannot be disconnected: no button, and the server refuses (409) too', async () => {
    const email = uniqueEmail('only-links');
    const user = await addUser(h.server, email);
    const conn = await company(user.id);
    const google = await social(user.id);
    const page = new PageClient(h.server.url);
    await openMyAccount(page, email);
    // No password any more: two links are the ways in, and the company (its IdP created such accounts) manages the address.
    await db().deleteFrom('password_credentials').where('user_id', '=', user.id).execute();
    await page.get('/account');
    expect(pageText(page.last.body)).toContain('Your organization manages this address');
    expect(page.last.body).toContain(`/account/links/company/${conn}/disconnect`);
    await page.post(`/account/links/company/${conn}/disconnect`, {});
    expect(page.last.url).toContain('done=link_removed');
    // Now Google is the only way in.
    expect(page.last.body).not.toContain(`/account/links/social/${google}/disconnect`);
    expect(pageText(page.last.body)).toContain('Your only way to sign in');
    await page.post(`/account/links/social/${google}/disconnect`, {});
    expect(page.last.status).toBe(409);
    expect(pageText(page.last.body)).toContain('This is your only way to sign in');
    expect(await linksOf(user.id)).toEqual({ company: 0, social: 1 });
    expect(await events(user.id)).toContain('social.unlink_refused');
    // Someone else's link, or a made-up kind: 404, nothing removed.
    await page.get('/account');
    await page.post(`/account/links/company/${conn}/disconnect`, {});
    expect(page.last.status).toBe(404);
    await page.get('/account');
    await page.post(`/account/links/other/${google}/disconnect`, {});
    expect(page.last.status).toBe(404);
  });

  test('two disconnects at once never remove both of the last two ways in', async () => {
    const email = uniqueEmail('racing');
    const user = await addUser(h.server, email);
    const conn = await company(user.id);
    const google = await social(user.id);
    const page = new PageClient(h.server.url);
    await openMyAccount(page, email);
    await db().deleteFrom('password_credentials').where('user_id', '=', user.id).execute();
    const csrf = page.csrf();
    await Promise.all([
      page.post(`/account/links/company/${conn}/disconnect`, {}, { csrf }),
      page.post(`/account/links/social/${google}/disconnect`, {}, { csrf }),
    ]);
    const left = await linksOf(user.id);
    expect(left.company + left.social).toBe(1);
  });
});

describe('where you are signed in', () => {
  test('rows of sessions that ended elsewhere (signed out, expired) disappear; devices are named', async () => {
    const email = uniqueEmail('devices');
    const user = await addUser(h.server, email);
    const chrome = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
    const safari =
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
    const laptop = new PageClient(h.server.url, { 'user-agent': chrome });
    const phone = new PageClient(h.server.url, { 'user-agent': safari });
    const tablet = new PageClient(h.server.url, { 'user-agent': safari });
    await openMyAccount(laptop, email);
    await openMyAccount(phone, email);
    await signIn(app, tablet, email);
    await laptop.get('/account');
    expect(sessionIds(laptop.last.body)).toHaveLength(3);
    expect(pageText(laptop.last.body)).toContain('Chrome on Linux');
    expect(pageText(laptop.last.body)).toContain('Safari on iOS');
    // Which apps each session signed in to (My account itself is not named).
    const row = (id: string) => pageText(laptop.last.body.split(`data-session="${id}"`)[1].split('</tr>')[0]);
    expect(row(tablet.cookie('wf_session')!)).toContain('Signed in to Notes');
    expect(row(laptop.cookie('wf_session')!)).not.toContain('Signed in to');

    // The phone signs out on its own (RP-initiated logout page).
    await phone.get('/session/end');
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(phone.last.body)![1];
    await phone.post('/session/end/confirm', { xsrf, logout: 'yes' }, { csrf: false });
    await laptop.get('/account');
    expect(sessionIds(laptop.last.body).sort()).toEqual([laptop.cookie('wf_session'), tablet.cookie('wf_session')].sort());

    // The tablet's session expires.
    await db()
      .updateTable('oidc_models')
      .set({ expires_at: sql`now() - interval '1 second'` })
      .where('id', '=', tablet.cookie('wf_session')!)
      .execute();
    await laptop.get('/account');
    expect(sessionIds(laptop.last.body)).toEqual([laptop.cookie('wf_session')]);
    expect(await sessionRows(h.server, user.id)).toHaveLength(1);
  });

  test('changing the password signs out the other devices by default, and keeps this one', async () => {
    const email = uniqueEmail('rotate');
    const user = await addUser(h.server, email);
    const here = new PageClient(h.server.url);
    const there = new PageClient(h.server.url);
    const tokens = await signIn(app, there, email, PASSWORD, { remember: true });
    await openMyAccount(here, email);
    expect(here.last.body).toMatch(/name="sign_out_others" value="yes" checked/);
    await here.post('/account/password', { current_password: PASSWORD, new_password: NEW_PASSWORD, sign_out_others: 'yes' });
    expect(pageText(here.last.body)).toContain('your other devices have been signed out');
    expect((await sessionRows(h.server, user.id)).map((r) => r.id)).toEqual([here.cookie('wf_session')]);
    expect(await there.get('/account')).toContain('/interaction/');
    await expect(oidc.refreshTokenGrant(app, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    await here.get('/account');
    expect(here.title()).toBe('My account');
  });

  test('"Sign out everywhere" is a quiet secondary action under the list', async () => {
    const email = uniqueEmail('quiet');
    await addUser(h.server, email);
    const page = new PageClient(h.server.url);
    await openMyAccount(page, email);
    expect(page.last.body).toMatch(
      /<form method="post" action="\/account\/sessions\/sign-out-all" class="sign-out-all">[\s\S]*?<button type="submit" class="quiet"/,
    );
  });
});

describe('administrators', () => {
  test('an organization administrator sees the admin center link; a member does not', async () => {
    const adminEmail = uniqueEmail('boss');
    const memberEmail = uniqueEmail('staff');
    const admin = await addUser(h.server, adminEmail);
    const member = await addUser(h.server, memberEmail);
    const orgId = randomUUID();
    await db()
      .insertInto('organizations')
      .values({ id: orgId, slug: `adm-${orgId.slice(0, 8)}`, name: 'Admins Inc' })
      .execute();
    await db()
      .insertInto('memberships')
      .values([
        { org_id: orgId, user_id: admin.id, role: 'admin' },
        { org_id: orgId, user_id: member.id, role: 'member' },
      ])
      .execute();
    const a = new PageClient(h.server.url);
    await openMyAccount(a, adminEmail);
    expect(a.last.body).toContain('href="/admin"');
    const m = new PageClient(h.server.url);
    await openMyAccount(m, memberEmail);
    expect(m.last.body).not.toContain('href="/admin"');
  });
});

test('with the mail server away, asking for an email change says so (503) and leaves no live link', async () => {
  const own = await startWithMail();
  try {
    const email = uniqueEmail('no-smtp');
    const user = await addUser(own.server, email);
    const page = new PageClient(own.server.url);
    await openMyAccount(page, email);
    await own.sink.close();
    await page.post('/account/email', { email: uniqueEmail('no-smtp-new'), current_password: PASSWORD });
    expect(page.last.status).toBe(503);
    expect(pageText(page.last.body)).toContain("We couldn't send the mail just now");
    const live = await own.server.testDb.database.db
      .selectFrom('action_tokens')
      .select('id_hash')
      .where('user_id', '=', user.id)
      .where('purpose', '=', 'change_email')
      .where('used_at', 'is', null)
      .execute();
    expect(live).toEqual([]);
  } finally {
    await own.server.close();
  }
});
