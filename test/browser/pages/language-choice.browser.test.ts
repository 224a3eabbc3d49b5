/**
 * Issue 16, defect 4: the language selector works after a failed form post, and the person's choice
 * beats the app's `ui_locales` and is remembered (through redirects and later posts). Screenshots:
 * test-artifacts/screenshots/defect4-*.png.
 */
import type { Browser, Page } from 'playwright-core';
import { translator } from '../../../src/http/i18n.js';
import { oidc, REDIRECT_URI } from '../../helpers/rp.js';
import { addApp, addUser, startWithMail, uniqueEmail, type Harness } from '../../helpers/sign-in.js';
import { launchChromium, newPage, shot, submit } from '../../helpers/chromium.js';

let h: Harness;
let browser: Browser;
let app: oidc.Configuration;

beforeAll(async () => {
  [h, browser] = await Promise.all([startWithMail(), launchChromium()]);
  app = await addApp(h.server, 'lang-app', { name: 'Language App' });
});
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

const heading = (page: Page) => page.locator('h1').innerText();
async function choose(page: Page, lang: string) {
  await Promise.all([page.waitForNavigation(), page.locator(`nav.languages a[hreflang="${lang}"]`).click()]);
  expect(await page.locator('html').getAttribute('lang')).toBe(lang);
}

test('defect 4: after a failed password post, choosing French works and beats ui_locales=de, remembered', async () => {
  const email = uniqueEmail('defect4');
  await addUser(h.server, email);
  const page = await newPage(browser, { width: 390, height: 844 });
  const auth = oidc.buildAuthorizationUrl(app, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid email',
    state: oidc.randomState(),
    code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
    code_challenge_method: 'S256',
    ui_locales: 'de',
  });
  await page.goto(auth.toString());
  expect(await page.locator('html').getAttribute('lang')).toBe('de'); // the app's ui_locales, with no choice made
  await page.fill('#email', email);
  await submit(page, 'form[action$="/identify"] button[type=submit]');
  await page.fill('#password', 'not the password at all');
  expect(await submit(page, 'form[action$="/password"] button[type=submit]')).toBe(400);
  expect(await heading(page)).toBe(translator('de')('login.password_title'));

  await choose(page, 'fr');
  await shot(page, 'defect4-after-failed-post-fr');
  expect(await heading(page)).toBe(translator('fr')('login.password_title')); // the same step, in French
  expect(await page.locator('.identity').innerText()).toContain(email);

  // Remembered: the next failed post (no ?lang, ui_locales still de) stays French.
  await page.fill('#password', 'still not the password');
  expect(await submit(page, 'form[action$="/password"] button[type=submit]')).toBe(400);
  expect(await page.locator('html').getAttribute('lang')).toBe('fr');
  expect(await page.locator('#password-error').innerText()).toBe(translator('fr')('login.wrong_password'));
  await shot(page, 'defect4-remembered-fr');
  await page.context().close();
});

test('defect 4: after a failed sign-up post, the language links reload the sign-up page', async () => {
  const page = await newPage(browser, { width: 1280, height: 800 });
  await page.goto(`${h.server.url}/signup`);
  expect(await submit(page, 'form[action="/signup"] button[type=submit]')).toBe(400);
  await choose(page, 'nl');
  expect(new URL(page.url()).pathname).toBe('/signup');
  expect(await heading(page)).toBe(translator('nl')('signup.title'));
  await page.context().close();
});
