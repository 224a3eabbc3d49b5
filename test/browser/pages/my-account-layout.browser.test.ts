/**
 * Issue 16, My account layout: on a desktop the sections are cards in two columns (the width is
 * used); on a phone one column with nothing wider than the screen; sessions are named from the
 * user agent ("Chrome on Linux"); "Sign out everywhere" is a quiet text action, not a red bar.
 * Screenshots: test-artifacts/screenshots/account-layout-*.png.
 */
import type { Browser } from 'playwright-core';
import { translator } from '../../../src/http/i18n.js';
import { addUser, PASSWORD, startWithMail, uniqueEmail, type Harness } from '../../helpers/sign-in.js';
import { launchChromium, newPage, signInToAccount, SHOTS } from '../../helpers/chromium.js';

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

test.each([1280, 390])('My account at %i px', async (width) => {
  const email = uniqueEmail('layout');
  await addUser(h.server, email);
  const page = await newPage(browser, { width, height: 900 });
  await signInToAccount(page, h.server.url, email, PASSWORD);
  await page.screenshot({ path: `${SHOTS}/account-layout-${width}.png`, fullPage: true });

  const boxes = await page.locator('.account-grid > section.panel').evaluateAll((els) =>
    els.map((e) => {
      const r = e.getBoundingClientRect();
      return { left: Math.round(r.left), top: Math.round(r.top), right: Math.round(r.right) };
    }),
  );
  expect(boxes.length).toBeGreaterThanOrEqual(4);
  const columns = new Set(boxes.map((b) => b.left)).size;
  expect(columns).toBe(width >= 900 ? 2 : 1);
  expect(Math.max(...boxes.map((b) => b.right))).toBeLessThanOrEqual(width);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);

  // The session is named as a person would name it; the raw user agent stays as a tooltip.
  const sessions = page.locator('section[aria-labelledby="sessions-title"] tbody');
  expect(await sessions.innerText()).toContain(t('account.device_on', { browser: 'Chrome', os: 'Linux' }));
  expect(await sessions.innerText()).not.toContain('Mozilla/5.0');

  // "Sign out everywhere": a quiet text action, small next to its section.
  const all = page.locator('form.sign-out-all button');
  expect(await all.getAttribute('class')).toBe('quiet');
  const [button, panel] = await Promise.all([all.boundingBox(), page.locator('section[aria-labelledby="sessions-title"]').boundingBox()]);
  expect(button!.width).toBeLessThan(panel!.width * 0.75);
  expect(button!.height).toBeLessThan(44);
  await page.context().close();
});
