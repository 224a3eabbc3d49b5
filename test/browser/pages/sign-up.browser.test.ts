/**
 * Issue 16, defects 2 and 6 on the sign-up page in a real browser: each field's error sits by its
 * field (an empty form marks both, the email error never lands under the password), and
 * internationalized addresses (RFC 6531) sign up, are mailed at their punycode domain, and sign in
 * under any case or Unicode composition. Screenshots: test-artifacts/screenshots/defect{2,6}-*.png.
 */
import type { Browser } from 'playwright-core';
import { translator } from '../../../src/http/i18n.js';
import { PASSWORD, sleep, startWithMail, type Harness } from '../../helpers/sign-in.js';
import { inViewport, launchChromium, newPage, shot, signInToAccount, submit } from '../../helpers/chromium.js';

let h: Harness;
let browser: Browser;
const t = translator('en');
const stamp = Date.now().toString(36);

beforeAll(async () => {
  [h, browser] = await Promise.all([startWithMail(), launchChromium()]);
});
async function waitForRecipient(rcpt: string, after: number) {
  for (let i = 0; i < 200; i += 1) {
    const found = h.sink.inbox.slice(after).find((m) => m.rcpt.includes(rcpt));
    if (found) return found;
    await sleep(50);
  }
  throw new Error(`no mail to ${rcpt}: ${JSON.stringify(h.sink.inbox.slice(after).map((m) => [m.to, m.rcpt]))}`);
}

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

test('defect 2: an empty sign-up form marks each field with its own "Enter …" message', async () => {
  const page = await newPage(browser, { width: 390, height: 844 });
  await page.goto(`${h.server.url}/signup`);
  expect(await submit(page, 'form[action="/signup"] button[type=submit]')).toBe(400);
  await shot(page, 'defect2-empty-signup-390');
  expect(await page.locator('#email-error').innerText()).toBe(t('login.enter_email'));
  expect(await page.locator('#email').getAttribute('aria-invalid')).toBe('true');
  expect(await page.locator('#email').getAttribute('aria-describedby')).toBe('email-error');
  expect(await page.locator('#password-error').innerText()).toBe(t('signup.enter_password'));
  expect(await page.locator('#password').getAttribute('aria-describedby')).toBe('password-hint password-error');
  expect(await inViewport(page.locator('#email-error'))).toBe(true);
  expect(await page.locator('.error-summary a').evaluateAll((as) => as.map((a) => a.getAttribute('href')))).toEqual([
    '#email',
    '#password',
  ]);
  await page.context().close();
});

test('defect 2: a bad address with a good password marks only the email field', async () => {
  const page = await newPage(browser);
  await page.goto(`${h.server.url}/signup`);
  await page.fill('#email', 'not an address');
  await page.fill('#password', PASSWORD);
  expect(await submit(page, 'form[action="/signup"] button[type=submit]')).toBe(400);
  await shot(page, 'defect2-bad-email-1280');
  expect(await page.locator('#email-error').innerText()).toBe(t('login.email_invalid'));
  expect(await page.locator('#password').getAttribute('aria-invalid')).toBeNull();
  expect(await page.locator('#password-error').count()).toBe(0);
  await page.context().close();
});

test.each([
  [`zoë.${stamp}@exämple.test`, `zoë.${stamp}@xn--exmple-cua.test`, `ZOË.${stamp}@EXÄMPLE.test`],
  [`зоя.${stamp}@example.test`, `зоя.${stamp}@example.test`, `ЗОЯ.${stamp}@Example.Test`],
])('defect 6: %s signs up, is mailed (wire form %s), and signs in as %s', async (typed, _wire, later) => {
  const page = await newPage(browser);
  await page.goto(`${h.server.url}/signup`);
  await page.fill('#email', typed);
  await page.fill('#password', PASSWORD);
  const before = h.sink.inbox.length;
  await submit(page, 'form[action="/signup"] button[type=submit]');
  const mail = await waitForRecipient(typed, before);
  await shot(page, `defect6-signup-sent-${stamp}-${typed.startsWith('z') ? 'latin' : 'cyrillic'}`);
  expect(await page.locator('h1').innerText()).toBe(t('signup.sent_title'));
  // smtp-server shows the envelope's punycode domain decoded; the wire form is checked in test/unit/email-address.test.ts.
  expect(mail.rcpt).toEqual([typed]);
  const link = /https?:\/\/\S+verify-email\S+/.exec(mail.text)?.[0];
  expect(link).toBeDefined();
  await page.goto(link!);
  await submit(page, 'form button[type=submit]');
  // Stored as typed (NFC), found by its one normal form: case and a decomposed "ë" make no difference.
  const user = await h.server.services.accounts.findUserByEmail(later.normalize('NFD'));
  expect(user?.email).toBe(typed);
  await signInToAccount(page, h.server.url, later.normalize('NFD'), PASSWORD);
  expect(new URL(page.url()).pathname).toBe('/account');
  expect(await page.locator('h1').innerText()).toBe(t('account.title'));
  await page.context().close();
});
