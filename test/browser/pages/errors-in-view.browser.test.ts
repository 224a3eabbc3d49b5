/**
 * Issue 16, defect 1: a failed form post must show its error next to the field and in the viewport
 * (not 1,400–3,800 px below the top of a reloaded page). Screenshots: test-artifacts/screenshots/defect1-*.png.
 */
import type { Browser } from 'playwright-core';
import { translator } from '../../../src/http/i18n.js';
import { addUser, PASSWORD, startWithMail, uniqueEmail, type Harness } from '../../helpers/sign-in.js';
import { inViewport, launchChromium, newPage, shot, signInToAccount, submit } from '../../helpers/chromium.js';

let h: Harness;
let browser: Browser;
const t = translator('en');

beforeAll(async () => {
  [h, browser] = await Promise.all([startWithMail(), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

test.each([
  [1280, 800],
  [390, 844],
])('defect 1: a wrong current password shows its error by the field, in the viewport (%i px)', async (width, height) => {
  const email = uniqueEmail('defect1');
  await addUser(h.server, email);
  const page = await newPage(browser, { width, height });
  await signInToAccount(page, h.server.url, email, PASSWORD);
  await page.fill('#current_password', 'not my password');
  await page.fill('#new_password', 'violet kettle upstairs marathon');
  expect(await submit(page, 'form[action^="/account/password"] button[type=submit]')).toBe(400);
  await shot(page, `defect1-wrong-current-${width}`);

  const error = page.locator('#current_password-error');
  expect(await error.innerText()).toBe(t('account.wrong_current'));
  expect(await inViewport(error)).toBe(true);
  expect(await inViewport(page.locator('#current_password'))).toBe(true);
  // The field carries the error (not the new password field).
  expect(await page.locator('#current_password').getAttribute('aria-invalid')).toBe('true');
  expect(await page.locator('#current_password').getAttribute('aria-describedby')).toBe('current_password-error');
  expect(await page.locator('#new_password').getAttribute('aria-invalid')).toBeNull();
  expect(new URL(page.url()).hash).toBe('#password'); // the response opens at the form's section
  // The error summary is announced and links to the field.
  expect(await page.locator('.error-summary').getAttribute('role')).toBe('alert');
  expect(await page.locator('.error-summary a').getAttribute('href')).toBe('#current_password');
  await page.context().close();
});

test('defect 1/3: an empty change-password form says what to enter, by each field', async () => {
  const email = uniqueEmail('defect1-empty');
  await addUser(h.server, email);
  const page = await newPage(browser, { width: 1280, height: 800 });
  await signInToAccount(page, h.server.url, email, PASSWORD);
  expect(await submit(page, 'form[action^="/account/password"] button[type=submit]')).toBe(400);
  await shot(page, 'defect1-empty-1280');
  expect(await page.locator('#current_password-error').innerText()).toBe(t('account.enter_current'));
  expect(await page.locator('#new_password-error').innerText()).toBe(t('account.enter_new'));
  expect(await inViewport(page.locator('#current_password-error'))).toBe(true);
  await page.context().close();
});
