/**
 * Issue 16, defect 3: an empty input says what to enter ("Enter …"), never that it is wrong — the
 * email and password of sign-in, the two-step code, the organization name. An empty password or code
 * counts no failed attempt. Screenshots: test-artifacts/screenshots/defect3-*.png.
 */
import type { Browser, Page } from 'playwright-core';
import { translator } from '../../../src/http/i18n.js';
import { addUser, auditTypes, PASSWORD, startWithMail, uniqueEmail, type Harness } from '../../helpers/sign-in.js';
import { inViewport, launchChromium, newPage, shot, submit } from '../../helpers/chromium.js';

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

async function expectFieldError(page: Page, field: string, key: string, name: string) {
  await shot(page, `defect3-${name}`);
  const error = page.locator(`#${field}-error`);
  expect(await error.innerText()).toBe(t(key));
  expect(await inViewport(error)).toBe(true);
  expect(await page.locator(`#${field}`).getAttribute('aria-invalid')).toBe('true');
}

test('defect 3: empty email, then empty password, say "Enter …"', async () => {
  const email = uniqueEmail('defect3');
  const user = await addUser(h.server, email);
  const page = await newPage(browser, { width: 390, height: 844 });
  await page.goto(`${h.server.url}/account`);
  expect(await submit(page, 'form[action$="/identify"] button[type=submit]')).toBe(400);
  await expectFieldError(page, 'email', 'login.enter_email', 'empty-email');
  await page.fill('#email', email);
  await submit(page, 'form[action$="/identify"] button[type=submit]');
  expect(await submit(page, 'form[action$="/password"] button[type=submit]')).toBe(400);
  await expectFieldError(page, 'password', 'login.enter_password', 'empty-password');
  expect((await auditTypes(h.server, { userId: user.id })).map((r) => `${r.type}:${r.outcome}`)).not.toContain('login.password:failure');
  await page.context().close();
});

test('defect 3: an empty organization name says "Enter your organization\'s name"', async () => {
  const page = await newPage(browser, { width: 390, height: 844 });
  await page.goto(`${h.server.url}/account`);
  await Promise.all([page.waitForNavigation(), page.locator('a[href$="/company"]').click()]);
  expect(await submit(page, 'form[action$="/company"] button[type=submit]')).toBe(400);
  await expectFieldError(page, 'organization', 'sso.enter_company', 'empty-organization');
  await page.context().close();
});

test('defect 3: an empty two-step code says "Enter the code" and counts no failure', async () => {
  const email = uniqueEmail('defect3-code');
  const user = await addUser(h.server, email);
  await h.server.features.factorStore.insertFactor({
    user_id: user.id,
    kind: 'totp',
    label: 'phone',
    secret_enc: h.server.services.box.seal('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', 'factor-secret'),
    confirmed: true,
  });
  const page = await newPage(browser, { width: 390, height: 844 });
  await page.goto(`${h.server.url}/account`);
  await page.fill('#email', email);
  await submit(page, 'form[action$="/identify"] button[type=submit]');
  await page.fill('#password', PASSWORD);
  await submit(page, 'form[action$="/password"] button[type=submit]');
  expect(page.url()).toContain('/factor');
  expect(await submit(page, 'form[action$="/verify"] button[type=submit]')).toBe(400);
  await expectFieldError(page, 'code', 'factor.enter_code', 'empty-code');
  expect((await auditTypes(h.server, { userId: user.id })).map((r) => r.type)).not.toContain('factor.failure');
  await page.context().close();
});
