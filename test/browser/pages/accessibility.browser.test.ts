/**
 * Issue 16, accessibility: axe-core (test/helpers/axe.ts, WCAG 2.x A/AA rules) over the sign-in
 * (email, email with an error, password with an error), two-step (code page with an error), My account
 * and an enrolment page reached from it (the pages of the keyboard walk, keyboard-walk.browser.test.ts),
 * in every language, at 1280 and 390 px: no serious or critical violation; and a branded sign-in page
 * (a custom primary color, logo and footer links) in English at both widths. Also the `lang` attribute and the
 * autocomplete tokens of each field. Screenshots: test-artifacts/screenshots/a11y-<lang>-<width>-<page>.png.
 */
import { axeCheck } from '../../helpers/axe.js';
import type { Browser, Page } from 'playwright-core';
import { LANGUAGES, type Language } from '../../../src/http/i18n.js';
import { addUser, PASSWORD, startWithMail, uniqueEmail, type Harness } from '../../helpers/sign-in.js';
import { launchChromium, newPage, shot, submit } from '../../helpers/chromium.js';

let h: Harness;
let browser: Browser;

beforeAll(async () => {
  [h, browser] = await Promise.all([startWithMail(), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

async function audit(page: Page, lang: Language, width: number, name: string) {
  expect(await page.locator('html').getAttribute('lang')).toBe(lang);
  await shot(page, `a11y-${lang}-${width}-${name}`);
  const result = await axeCheck(page);
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${name}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

describe.each(LANGUAGES)('%s', (lang) => {
  test.each([1280, 390])('sign-in, two-step and My account pass axe at %i px', async (width) => {
    const email = uniqueEmail(`a11y-${lang}`);
    const user = await addUser(h.server, email);
    const page = await newPage(browser, { width, height: 800, locale: lang });
    const problems: string[] = [];
    await page.goto(`${h.server.url}/account?lang=${lang}`);
    expect(await page.locator('#email').getAttribute('autocomplete')).toBe('username');
    problems.push(...(await audit(page, lang, width, 'email')));
    await submit(page, 'form[action$="/identify"] button[type=submit]');
    problems.push(...(await audit(page, lang, width, 'email-error')));
    await page.fill('#email', email);
    await submit(page, 'form[action$="/identify"] button[type=submit]');
    expect(await page.locator('#password').getAttribute('autocomplete')).toBe('current-password');
    await page.fill('#password', 'not the password');
    await submit(page, 'form[action$="/password"] button[type=submit]');
    problems.push(...(await audit(page, lang, width, 'password-error')));
    await page.fill('#password', PASSWORD);
    await submit(page, 'form[action$="/password"] button[type=submit]');
    problems.push(...(await audit(page, lang, width, 'account')));
    expect(await page.locator('#new_password').getAttribute('autocomplete')).toBe('new-password');
    await page.goto(`${h.server.url}/account/factors/totp/add`);
    problems.push(...(await audit(page, lang, width, 'enrol-totp')));

    // Two-step: a TOTP factor, then a fresh sign-in that asks for it.
    await h.server.features.factorStore.insertFactor({
      user_id: user.id,
      kind: 'totp',
      label: 'phone',
      secret_enc: h.server.services.box.seal('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', 'factor-secret'),
      confirmed: true,
    });
    await page.context().clearCookies();
    await page.goto(`${h.server.url}/account?lang=${lang}`);
    await page.fill('#email', email);
    await submit(page, 'form[action$="/identify"] button[type=submit]');
    await page.fill('#password', PASSWORD);
    await submit(page, 'form[action$="/password"] button[type=submit]');
    expect(await page.locator('#code').getAttribute('autocomplete')).toBe('one-time-code');
    await page.fill('#code', '000000');
    await submit(page, 'form[action$="/verify"] button[type=submit]');
    problems.push(...(await audit(page, lang, width, 'two-step-error')));
    expect(problems).toEqual([]);
    await page.context().close();
  });
});

test.each([1280, 390])('a branded sign-in page (color, logo, footer links) passes axe at %i px', async (width) => {
  await h.server.services.branding.set('deployment', '', {
    product_name: 'Northwind ID',
    primary_color: '#0b5394',
    logo_url: 'https://cdn.northwind.example/logo.png',
    privacy_url: 'https://northwind.example/privacy',
    terms_url: 'https://northwind.example/terms',
  });
  try {
    const page = await newPage(browser, { width, height: 800, locale: 'en' });
    await page.route('https://cdn.northwind.example/**', (route) => route.fulfill({ status: 404 }));
    await page.goto(`${h.server.url}/account?lang=en`);
    expect(await page.locator('footer.legal a').count()).toBe(2);
    expect(await audit(page, 'en', width, 'branded-email')).toEqual([]);
    await page.context().close();
  } finally {
    await h.server.services.db.deleteFrom('branding').execute();
    await h.server.services.branding.reload();
  }
});

test('the check can fail: an image without alt text and an unlabelled field are reported', async () => {
  const page = await newPage(browser);
  await page.setContent('<!doctype html><html lang="en"><title>t</title><main><img src="data:,"><input type="text"></main></html>');
  const problems = await audit(page, 'en', 1280, 'control');
  expect(problems.some((p) => p.includes('image-alt'))).toBe(true);
  expect(problems.some((p) => p.includes('label'))).toBe(true);
  await page.context().close();
});
