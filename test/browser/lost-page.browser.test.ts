/**
 * Issue 11 in a real browser (per-path cookies, scripts): the lost page signed out and signed in at
 * 1280 and 390 px in every language, the dead ends a new user found, each ending somewhere useful,
 * and a keyboard walk. Screenshots: test-artifacts/screenshots/lost-*.png.
 */
import type { Browser, Page } from 'playwright-core';
import { translator, LANGUAGES } from '../../src/http/i18n.js';
import { addApp, addUser, PASSWORD, startWithMail, uniqueEmail, type Harness } from '../helpers/sign-in.js';
import { launchChromium, newPage, shot, signInToAccount, submit } from '../helpers/chromium.js';
import { oidc, REDIRECT_URI } from '../helpers/rp.js';

let h: Harness;
let browser: Browser;
const TTL = 8; // seconds an interaction lives here: the expiry test waits it out
const t = translator('en');

beforeAll(async () => {
  [h, browser] = await Promise.all([startWithMail({ oidc: { interactionTtl: TTL } }), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

const title = (page: Page) => page.locator('h1').innerText();

test.each([1280, 390])('the lost page signed out and signed in at %i px, in every language', async (width) => {
  const email = uniqueEmail('lostpage');
  await addUser(h.server, email);
  const page = await newPage(browser, { width, height: 900 });
  const res = await page.goto(`${h.server.url}/`);
  expect(res?.status()).toBe(200);
  expect(await title(page)).toBe(t('lost.title'));
  await shot(page, `lost-signed-out-${width}`);
  // Signing in from it comes back to it.
  await submit(page, `a[href="/sign-in?return_to=%2F"]`);
  await page.fill('input[name=email]', email);
  await submit(page, 'form[action$="/identify"] button[type=submit]');
  await page.fill('input[name=password]', PASSWORD);
  await submit(page, 'form[action$="/password"] button[type=submit]');
  expect(new URL(page.url()).pathname).toBe('/');
  expect(await page.locator('main').innerText()).toContain(email);
  await shot(page, `lost-signed-in-${width}`);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
  for (const lang of LANGUAGES) {
    await page.goto(`${h.server.url}/?lang=${lang}`);
    expect([lang, await title(page)]).toEqual([lang, translator(lang)('lost.title')]);
    expect(await page.locator('html').getAttribute('lang')).toBe(lang);
    if (width === 1280) await shot(page, `lost-signed-in-${lang}`);
  }
  await page.context().close();
});

test('keyboard: Tab reaches My account, Use another account and Sign out with a visible focus; Enter signs out', async () => {
  const email = uniqueEmail('lostkeys');
  await addUser(h.server, email);
  const page = await newPage(browser);
  await signInToAccount(page, h.server.url, email, PASSWORD);
  await page.goto(`${h.server.url}/?lang=en`);
  const seen: string[] = [];
  for (let i = 0; i < 25 && !seen.includes(t('lost.sign_out')); i += 1) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      const style = el ? getComputedStyle(el) : null;
      return { text: el?.innerText?.trim() ?? '', outline: style ? style.outlineStyle !== 'none' || style.boxShadow !== 'none' : false };
    });
    if (focused.text) {
      seen.push(focused.text);
      expect([focused.text, focused.outline]).toEqual([focused.text, true]);
    }
  }
  expect(seen).toEqual(expect.arrayContaining([t('lost.my_account'), t('lost.another_account'), t('lost.sign_out')]));
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  expect(new URL(page.url()).pathname).toBe('/');
  expect(await page.locator(`a[href="/sign-in?return_to=%2F"]`).count()).toBe(1); // signed out
  await page.context().close();
});

test('two tabs of My account: signing in in the first, the second goes on to My account instead of "not valid here"', async () => {
  const email = uniqueEmail('tabs');
  await addUser(h.server, email);
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const [tab1, tab2] = [await context.newPage(), await context.newPage()];
  await tab1.goto(`${h.server.url}/account`);
  await tab2.goto(`${h.server.url}/account`);
  await tab1.fill('input[name=email]', email);
  await submit(tab1, 'form[action$="/identify"] button[type=submit]');
  await tab1.fill('input[name=password]', PASSWORD);
  await submit(tab1, 'form[action$="/password"] button[type=submit]');
  expect(new URL(tab1.url()).pathname).toBe('/account');
  // Tab 2 is still on its email page; signing in there too ends on My account.
  await tab2.fill('input[name=email]', email);
  await submit(tab2, 'form[action$="/identify"] button[type=submit]');
  if (await tab2.locator('input[name=password]').count()) {
    await tab2.fill('input[name=password]', PASSWORD);
    await submit(tab2, 'form[action$="/password"] button[type=submit]');
  }
  await shot(tab2, 'lost-two-tabs-second');
  expect(new URL(tab2.url()).pathname).toBe('/account');
  expect(await tab2.locator('body').innerText()).not.toMatch(/not valid here/i);
  await context.close();
});

test('an expired sign-in restarts by itself for the same app; Back after signing in does not end on an error', async () => {
  const email = uniqueEmail('expiry');
  await addUser(h.server, email);
  const app = await addApp(h.server, 'browser-recovery', { name: 'Browser Recovery' });
  const page = await newPage(browser);
  const auth = oidc.buildAuthorizationUrl(app, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid',
    state: 'st-1',
    code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
    code_challenge_method: 'S256',
  });
  await page.goto(auth.toString());
  const firstUid = new URL(page.url()).pathname.split('/')[2];
  await page.waitForTimeout(TTL * 1000 + 800);
  await page.fill('input[name=email]', email);
  await submit(page, 'form[action$="/identify"] button[type=submit]');
  expect(await title(page)).toBe(t('routing.too_long_title'));
  await shot(page, 'lost-took-too-long');
  await submit(page, 'a.button');
  expect(new URL(page.url()).pathname).not.toContain(firstUid);
  const secondUid = new URL(page.url()).pathname.split('/')[2];
  await page.fill('input[name=email]', email);
  await submit(page, 'form[action$="/identify"] button[type=submit]');
  await page.fill('input[name=password]', PASSWORD);
  // The app's redirect URI is not served here: catch the navigation to it.
  const toApp = page.waitForRequest((r) => r.url().startsWith(REDIRECT_URI));
  await page.route(`${REDIRECT_URI}**`, (route) => route.fulfill({ status: 200, body: 'app' }));
  await page.locator('form[action$="/password"] button[type=submit]').click();
  const landed = new URL((await toApp).url());
  await page.waitForLoadState('load');
  expect(landed.searchParams.get('state')).toBe('st-1');
  expect(landed.searchParams.get('code')).toBeTruthy();
  // Back to the sign-in page of the finished sign-in: somewhere useful, not an error.
  // (In a new tab of the same browser: the first one is still settling on the app's stand-in page.)
  const tab = await page.context().newPage();
  const back = await tab.goto(`${h.server.url}/interaction/${secondUid}`);
  expect(back?.status()).toBe(200);
  expect(await title(tab)).toBe(t('lost.title'));
  await page.context().close();
});

test('Cancel on My account sign-in, then its sign-in offer: no loop; /session/end signed out offers a way on', async () => {
  const page = await newPage(browser);
  await page.goto(`${h.server.url}/account`);
  await submit(page, 'form[action$="/cancel"] button');
  expect(new URL(page.url()).pathname).toBe('/');
  expect(await page.locator('main').innerText()).toContain(t('lost.reason_cancelled'));
  await shot(page, 'lost-cancelled');
  await submit(page, `a[href="/sign-in?return_to=%2F"]`);
  expect(page.url()).toContain('/interaction/');
  await page.goto(`${h.server.url}/session/end`);
  await page.waitForLoadState('networkidle');
  await shot(page, 'lost-session-end-signed-out');
  expect(await page.locator('a[href="/"]').count()).toBeGreaterThan(0);
  await page.context().close();
});
