/**
 * Issue 11 "My account, finished", in Chromium: the profile card (name, language, email change),
 * where you're signed in, linked sign-ins and the admin center link, at 1280 and 390 px, keyboard
 * only (focus visible, logical order), axe-clean; and the email change walked through the pages with
 * the link from real SMTP. Screenshots: test-artifacts/screenshots/account-finished-*.png.
 */
import { randomUUID } from 'node:crypto';
import { axeCheck } from '../../helpers/axe.js';
import type { Browser, Page } from 'playwright-core';
import { PageClient } from '../../helpers/browser.js';
import { addUser, newMail, openMyAccount, PASSWORD, startWithMail, uniqueEmail, type Harness } from '../../helpers/sign-in.js';
import { launchChromium, newPage, shot, signInToAccount, SHOTS, submit } from '../../helpers/chromium.js';

let h: Harness;
let browser: Browser;
const db = () => h.server.testDb.database.db;
const SAFARI =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

beforeAll(async () => {
  [h, browser] = await Promise.all([startWithMail(), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

/** A person who administers an organization, has a company ID link and a second session on a phone. */
async function person(tag: string) {
  const email = uniqueEmail(tag);
  const user = await addUser(h.server, email);
  const orgId = randomUUID();
  const connection = `acme-${orgId.slice(0, 8)}`;
  await db()
    .insertInto('organizations')
    .values({ id: orgId, slug: `acme-${orgId.slice(0, 8)}`, name: 'Acme' })
    .execute();
  await db().insertInto('memberships').values({ org_id: orgId, user_id: user.id, role: 'admin' }).execute();
  await db()
    .insertInto('connections')
    .values({ id: connection, org_id: orgId, kind: 'oidc', name: 'Acme Entra ID', enabled: true, settings: JSON.stringify({}) })
    .execute();
  await db()
    .insertInto('linked_identities')
    .values({ connection_id: connection, subject: `oid-${orgId}`, user_id: user.id })
    .execute();
  await openMyAccount(new PageClient(h.server.url, { 'user-agent': SAFARI }), email);
  return { email, user, connection };
}

async function axe(page: Page) {
  const result = await axeCheck(page);
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id);
}

/** Presses Tab until `selector` has focus (at most `max` times); returns the ids focused on the way. */
async function tabTo(page: Page, selector: string, max = 60) {
  const seen: string[] = [];
  for (let i = 0; i < max; i += 1) {
    await page.keyboard.press('Tab');
    const id = await page.evaluate(() => document.activeElement?.id || document.activeElement?.textContent?.trim() || '');
    seen.push(id);
    if (await page.locator(selector).evaluate((el) => el === document.activeElement)) return seen;
  }
  throw new Error(`Tab never reached ${selector}: ${seen.join(' → ')}`);
}

const focusRing = (page: Page) =>
  page.evaluate(() => {
    const s = getComputedStyle(document.activeElement!);
    return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
  });

test.each([1280, 390])('the finished My account at %i px: every section, keyboard only, axe-clean', async (width) => {
  const { email } = await person(`finished-${width}`);
  const page = await newPage(browser, { width, height: 900 });
  await signInToAccount(page, h.server.url, email, PASSWORD);
  await page.screenshot({ path: `${SHOTS}/account-finished-${width}.png`, fullPage: true });
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);

  const body = await page.locator('main, body').first().innerText();
  expect(body).toContain('Profile');
  expect(body).toContain('Chrome on Linux');
  expect(body).toContain('Safari on iOS');
  expect(body).toContain('Company ID · Acme');
  expect(await page.locator('a[href="/admin"]').count()).toBeGreaterThan(0);
  expect(await axe(page)).toEqual([]);

  // The profile's fields come first, in reading order, each with a visible focus ring.
  const order = await tabTo(page, '#email');
  const fields = order.filter((id) => ['name', 'locale', 'email'].includes(id));
  expect(fields).toEqual(['name', 'locale', 'email']);
  expect(await focusRing(page)).toBe(true);

  // Name, by keyboard: type, Enter.
  await page.locator('#name').focus();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type(`Zoë ${width}`);
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  expect(await page.locator('p.notice').innerText()).toBe('Your name has been saved.');

  // Language, by keyboard: type-ahead in the list, Tab to its button, Enter. The page is French at once.
  await tabTo(page, '#locale');
  await page.keyboard.type('Fr');
  await page.keyboard.press('Tab');
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  expect(await page.locator('html').getAttribute('lang')).toBe('fr');
  expect(await page.locator('h1').innerText()).toBe('Mon compte');
  await page.screenshot({ path: `${SHOTS}/account-finished-${width}-fr.png`, fullPage: true });
  expect(await axe(page)).toEqual([]);

  // "Sign out everywhere" is reachable by keyboard and stays small.
  await tabTo(page, 'form.sign-out-all button');
  expect(await focusRing(page)).toBe(true);
  const [button, panel] = await Promise.all([
    page.locator('form.sign-out-all button').boundingBox(),
    page.locator('section[aria-labelledby="sessions-title"]').boundingBox(),
  ]);
  expect(button!.width).toBeLessThan(panel!.width * 0.6);
  await page.context().close();
});

test('changing the email address through the pages, with the link from the mail', async () => {
  const { email, user } = await person('browser-mover');
  const next = uniqueEmail('browser-moved');
  const page = await newPage(browser, { width: 1280, height: 900 });
  await signInToAccount(page, h.server.url, email, PASSWORD);

  // A wrong password: the error is by its field, in view.
  await page.fill('#email', next);
  await page.fill('#email_password', 'not my password');
  expect(await submit(page, 'form[action^="/account/email"] button[type=submit]')).toBe(400);
  await page.locator('#email_password-error').scrollIntoViewIfNeeded();
  await shot(page, 'account-finished-email-wrong-password');
  expect(await page.locator('#email_password-error').innerText()).toContain('not right');

  await page.fill('#email', next);
  await page.fill('#email_password', PASSWORD);
  const mail = await newMail(h.sink, next, /Confirm your new email address/, () =>
    submit(page, 'form[action^="/account/email"] button[type=submit]'),
  );
  expect(await page.locator('p.notice').innerText()).toContain(next);
  await shot(page, 'account-finished-email-sent');

  const link = h.sink.linkIn(mail);
  await page.goto(link);
  await shot(page, 'account-finished-email-confirm');
  const notice = await newMail(h.sink, email, /Your email address was changed/, () =>
    submit(page, 'form[action="/account/email/confirm"] button'),
  );
  expect(notice.text).toContain(next);
  expect(await page.locator('p.notice').innerText()).toContain(next);
  await shot(page, 'account-finished-email-done');
  expect((await h.server.services.accounts.findUser(user.id))!.email).toBe(next);
  await page.context().close();
});
