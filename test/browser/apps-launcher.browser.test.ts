/**
 * "Your apps" on My account in Chromium, at 1280 and 390 px: each app with its icon (uploaded, or its
 * initial), its name and Open; the organization's apps the person may ask for with Request access;
 * nothing wider than the screen; reached by keyboard, Open starts the app's own sign-in
 * (initiate_login_uri with iss), in the person's language. Screenshots:
 * test-artifacts/screenshots/apps-launcher-*.png.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { applyBootstrap } from '../../src/bootstrap/apply.js';
import { PASSWORD, startWithMail, type Harness } from '../helpers/sign-in.js';
import { REDIRECT_URI } from '../helpers/rp.js';
import { launchChromium, newPage, shot, signInToAccount } from '../helpers/chromium.js';

let h: Harness;
let browser: Browser;
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

beforeAll(async () => {
  [h, browser] = await Promise.all([startWithMail(), launchChromium()]);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wf-apps-browser-'));
  const file = path.join(dir, 'bootstrap.yaml');
  const app = (id: string, name: string, extra = '') =>
    `  - { client_id: ${id}, client_name: "${name}", redirect_uris: [${REDIRECT_URI}], token_endpoint_auth_method: none, initiate_login_uri: "https://${id}.example.test/login"${extra} }\n`;
  writeFileSync(
    file,
    `users: [{ email: bea@acme.test, password: "${PASSWORD}", name: Bea }, { email: ada@acme.test, password: "${PASSWORD}" }]
organizations:
  - { slug: acme, name: Acme, members: [{ email: bea@acme.test }, { email: ada@acme.test }], groups: [{ name: finance, members: [ada@acme.test] }] }
clients:
${app('wiki', 'Team Wiki', ', "client_name#fr": "Wiki de l’équipe"')}${app('crm', 'Customer Relations', ', access: { organizations: [acme] }')}${app(
      'timesheets',
      'Timesheets with a rather long name that has to wrap on a phone',
    )}${app('ledger', 'Ledger', ', trial_uri: "https://ledger.example.test/request", access: { groups: [acme/finance] }')}`,
  );
  await applyBootstrap(h.server.services, file);
  await h.server.services.appAdmin.setIcon(undefined, { who: 'cli', operator: true }, 'oidc-wiki', PNG);
});
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

test.each([1280, 390])('Your apps at %i px: icons, names, Open and Request access, nothing wider than the screen', async (width) => {
  const page = await newPage(browser, { width, height: 900 });
  await signInToAccount(page, h.server.url, 'bea@acme.test', PASSWORD);
  const section = page.locator('section[aria-labelledby="apps-title"]');
  await section.scrollIntoViewIfNeeded();
  await shot(page, `apps-launcher-${width}`);
  const names = await section.locator('ul.apps').first().locator('.app-name').allInnerTexts();
  expect(names).toEqual(['Customer Relations', 'Team Wiki', 'Timesheets with a rather long name that has to wrap on a phone']);
  // The uploaded icon loaded (served by Wayfinder); the others show their initial.
  const icon = section.locator('img.app-icon').first();
  await expect(icon.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).resolves.toBe(true);
  expect(await section.locator('.app-initial').allInnerTexts()).toEqual(['C', 'T', 'L']);
  const request = section.locator('a.app-request');
  expect(await request.innerText()).toBe('Request access');
  expect(await request.getAttribute('href')).toBe('https://ledger.example.test/request');
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
  for (const box of await section.locator('li.app').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().right)))
    expect(box).toBeLessThanOrEqual(width);
  await page.context().close();
});

test('by keyboard, Open starts the app’s own sign-in with iss; names in the person’s language', async () => {
  const page = await newPage(browser, { locale: 'fr-FR' });
  await signInToAccount(page, h.server.url, 'bea@acme.test', PASSWORD);
  const open = page.locator('a.app-open[href="/apps/oidc-wiki/launch"]');
  expect(await open.getAttribute('aria-label')).toBe('Ouvrir Wiki de l’équipe');
  await shot(page, 'apps-launcher-fr');
  // Tab until the link has the focus, then Enter.
  for (let i = 0; i < 40 && !(await open.evaluate((el) => el === document.activeElement)); i += 1) await page.keyboard.press('Tab');
  expect(await open.evaluate((el) => el === document.activeElement)).toBe(true);
  // The app's host does not exist here: the browser's request to it (after Wayfinder's redirect) says where Open went.
  const [toApp] = await Promise.all([
    page.waitForEvent('request', (r) => r.url().startsWith('https://wiki.example.test/')),
    page.keyboard.press('Enter'),
  ]);
  const url = new URL(toApp.url());
  expect(url.pathname).toBe('/login');
  expect(url.searchParams.get('iss')).toBe(h.server.url);
  await page.context().close();
});
