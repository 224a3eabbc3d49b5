/**
 * The email and password steps at 390 px (every language) and 1280 px (English): the email step's
 * link row is balanced (its links and the Cancel pill share a baseline grid: same height rows, the
 * pill not squeezed beside a wrapped link), "Not you?" stays on one line, and an invalid input shows a
 * red border and a warning icon (not color alone). Screenshots: test-artifacts/screenshots/email-step-*.png.
 */
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, SHOTS } from '../../helpers/chromium.js';
import { LANGUAGES } from '../../../src/http/i18n.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { addApp, addUser } from '../../helpers/sign-in.js';
import { oidc, REDIRECT_URI } from '../../helpers/rp.js';

let server: TestServer;
let browser: Browser;
let authUrl: () => Promise<string>;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchChromium()]);
  const app = await addApp(server, 'layout-app', { name: 'Layout App' });
  await addUser(server, 'alexandra.konstantinopoulou-vandenberghe@example.test');
  authUrl = async () =>
    oidc
      .buildAuthorizationUrl(app, {
        redirect_uri: REDIRECT_URI,
        scope: 'openid email',
        code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
        code_challenge_method: 'S256',
      })
      .toString();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const go = (page: Page, action: () => Promise<unknown>) => Promise.all([page.waitForNavigation(), action()]);
const box = async (page: Page, selector: string) => (await page.locator(selector).first().boundingBox())!;

const cases = [...LANGUAGES.map((l) => [l, 390] as const), ['en', 1280] as const];
for (const [lang, width] of cases)
  test(`email and password steps (${lang}, ${width} px): balanced link row, "Not you?" on one line, invalid input marked`, async () => {
    const context = await browser.newContext({ locale: lang, viewport: { width, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${await authUrl()}&ui_locales=${lang}`);
    expect(await page.locator('html').getAttribute('lang')).toBe(lang);
    // The link row: every item (two links, the Cancel pill) as tall as the pill, centred on one axis per row.
    const items = page.locator('.links.row > *');
    expect(await items.count()).toBe(3);
    const boxes = await Promise.all([0, 1, 2].map(async (i) => (await items.nth(i).boundingBox())!));
    const pill = await box(page, '.links.row button');
    for (const b of boxes) expect(Math.abs(b.height - boxes[2].height)).toBeLessThanOrEqual(2);
    // Items on a shared row are centred on the same line.
    for (const a of boxes)
      for (const b of boxes)
        if (Math.abs(a.y - b.y) < a.height / 2) expect(Math.abs(a.y + a.height / 2 - (b.y + b.height / 2))).toBeLessThanOrEqual(1);
    // The pill's label never wraps.
    expect(pill.height).toBeLessThan(40);
    await page.screenshot({ path: path.join(SHOTS, `email-step-${lang}-${width}-1-email.png`), fullPage: true });

    // Empty submit: the field is marked with a red border and the message with an icon.
    await go(page, () => page.locator('form[action$="/identify"] button[type=submit]').click());
    const email = page.locator('#email');
    expect(await email.getAttribute('aria-invalid')).toBe('true');
    expect(await email.evaluate((e) => getComputedStyle(e).borderColor)).toBe('rgb(179, 38, 30)');
    expect(await email.evaluate((e) => getComputedStyle(e).borderWidth)).toBe('2px');
    expect(await page.locator('#email-error').evaluate((e) => getComputedStyle(e, '::before').content)).toContain('⚠');
    await page.screenshot({ path: path.join(SHOTS, `email-step-${lang}-${width}-2-invalid.png`), fullPage: true });

    await page.fill('#email', 'alexandra.konstantinopoulou-vandenberghe@example.test');
    await go(page, () => page.locator('#email').press('Enter'));
    const notYou = page.locator('.identity button');
    const lineHeight = await notYou.evaluate(
      (e) => parseFloat(getComputedStyle(e).lineHeight) || parseFloat(getComputedStyle(e).fontSize) * 1.3,
    );
    const padding = await notYou.evaluate(
      (e) => parseFloat(getComputedStyle(e).paddingTop) + parseFloat(getComputedStyle(e).paddingBottom),
    );
    const nb = (await notYou.boundingBox())!;
    expect(nb.height - padding).toBeLessThanOrEqual(lineHeight * 1.2 + 2);
    expect(nb.x + nb.width).toBeLessThanOrEqual(width);
    await page.screenshot({ path: path.join(SHOTS, `email-step-${lang}-${width}-3-password.png`), fullPage: true });
    await context.close();
  });
