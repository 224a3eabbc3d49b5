/**
 * Device sign-in and ad hoc support in a real browser (Debian's Chromium, playwright-core):
 * - a device (openid-client) asks for a code; the person opens verification_uri_complete, sees the
 *   code filled in (not sent), continues to the confirmation naming the app, the device's address and
 *   time with the phishing warning, confirms by keyboard, signs in with a second factor, and the
 *   device gets its tokens;
 * - a technician starts an ad hoc support session, sees the security code once, the reference app
 *   activates it, the page lists it with End session now, and ending it revokes the app.
 * Both in English and French, at 1280 and 390 px. Screenshots: test-artifacts/screenshots/device-*.png.
 */
import path from 'node:path';
import { generate } from 'otplib';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, SHOTS } from '../helpers/chromium.js';
import { translator, type Language } from '../../src/http/i18n.js';
import { setTwoStepPolicy } from '../../src/factors/admin.js';
import { oidc } from '../helpers/rp.js';
import { PASSWORD, addUser, startWithMail, uniqueEmail, type Harness } from '../helpers/sign-in.js';
import { runSupportApp, supportStateFile } from '../helpers/support-app.js';

const GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

let h: Harness;
let browser: Browser;
let device: oidc.Configuration;

beforeAll(async () => {
  [h, browser] = await Promise.all([startWithMail({ device: { pollIntervalSeconds: 1 } }), launchChromium()]);
  await h.server.services.clients.upsert({
    client_id: 'tv',
    client_name: 'Living Room TV',
    token_endpoint_auth_method: 'none',
    redirect_uris: [],
    response_types: [],
    grant_types: [GRANT],
    first_party: true,
  });
  await h.server.services.orgs.upsert({ id: 'org-b', slug: 'orgb', name: 'Org B' });
  await setTwoStepPolicy(h.server.features.factorStore, 'org-b', {
    required: 'all',
    primary_method: 'totp',
    trusted_device_days: 0,
    group_names: [],
  });
  device = await oidc.discovery(new URL(h.server.url), 'tv', undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
});
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

async function tab(lang: Language, width: number) {
  const context = await browser.newContext({ locale: lang, viewport: { width, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().includes('status of 4')) errors.push(m.text());
  });
  let n = 0;
  const t = translator(lang);
  const shot = async (name: string, headingKey: string) => {
    expect(await page.locator('html').getAttribute('lang')).toBe(lang);
    expect((await page.locator('h1').innerText()).trim()).toBe(t(headingKey));
    n += 1;
    await page.screenshot({ path: path.join(SHOTS, `device-${lang}-${width}-${String(n).padStart(2, '0')}-${name}.png`), fullPage: true });
  };
  return { page, context, t, shot, errors };
}

const submitWith = async (page: Page, action: () => Promise<void>) => {
  await Promise.all([page.waitForNavigation(), action()]);
};

async function signInOnPage(page: Page, email: string) {
  await page.fill('input[name=email]', email);
  await submitWith(page, () => page.locator('form[action$="/identify"] button[type=submit]').click());
  await page.fill('input[name=password]', PASSWORD);
  await submitWith(page, () => page.locator('input[name=password]').press('Enter'));
}

for (const [lang, width] of [
  ['en', 1280],
  ['fr', 390],
] as const) {
  test(`device sign-in from the link with the confirmation and a second factor (${lang}, ${width} px)`, async () => {
    const email = uniqueEmail(`tv-${lang}`);
    const user = await addUser(h.server, email);
    await h.server.services.orgs.addMember('org-b', user.id, 'member');
    const d = await oidc.initiateDeviceAuthorization(device, { scope: 'openid', ui_locales: lang });
    const { page, context, t, shot, errors } = await tab(lang, width);
    await page.goto(d.verification_uri_complete!);
    await shot('code-filled', 'device.title');
    expect(await page.inputValue('input[name=user_code]')).toBe(d.user_code);
    // Keyboard only: Enter in the field continues to the confirmation (never skipped).
    await submitWith(page, () => page.locator('input[name=user_code]').press('Enter'));
    await shot('confirm', 'device.confirm_title');
    expect(await page.locator('#device-ip').innerText()).toContain('127.0.0.1');
    expect(await page.locator('.warning').innerText()).toBe(t('device.confirm_warning'));
    expect(await page.locator('.lead').innerText()).toContain('Living Room TV');
    // Nothing is focused on the confirm button: Enter alone does not approve.
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('BODY');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe(t('device.confirm'));
    await submitWith(page, () => page.keyboard.press('Enter'));
    await signInOnPage(page, email);
    const secret = (await page.locator('code').first().innerText()).replace(/ /g, '');
    await page.fill('input[name=code]', await generate({ secret }));
    await submitWith(page, () => page.locator('input[name=code]').press('Enter'));
    await submitWith(page, () => page.locator('form[action$="/factor/continue"] button').click());
    await shot('connected', 'device.success_title');
    const tokens = await oidc.pollDeviceAuthorizationGrant(device, d);
    expect(tokens.claims()?.sub).toBe(user.id);
    expect(errors).toEqual([]);
    await context.close();
  });

  test(`ad hoc support: technician page, security code once, app activation, end now (${lang}, ${width} px)`, async () => {
    const email = uniqueEmail(`tech-${lang}`);
    const tech = await addUser(h.server, email);
    const orgId = await h.server.services.orgs.upsert({ id: `org-sup-${lang}`, slug: `sup-${lang}`, name: `Support ${lang}` });
    await h.server.services.orgs.addMember(orgId, tech.id, 'support');
    const { page, context, t, shot, errors } = await tab(lang, width);
    await page.goto(`${h.server.url}/account/support?lang=${lang}`);
    await signInOnPage(page, email);
    await page.goto(`${h.server.url}/account/support`);
    await shot('support-empty', 'support.title');
    await submitWith(page, () => page.locator('form[action="/account/support/sessions"] button').click());
    expect(await page.locator('#email-error').innerText()).toBe(t('support.enter_email'));
    await shot('support-errors', 'support.title');
    await page.fill('input[name=email]', `customer-${lang}@example.test`);
    await page.fill('input[name=password]', 'a session secret');
    await submitWith(page, () => page.locator('input[name=password]').press('Enter'));
    const code = (await page.locator('#security-code').innerText()).trim();
    expect(code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    await shot('support-code', 'support.title');
    const state = supportStateFile();
    expect((await runSupportApp(['activate', code, '--server', h.server.url, '--state', state])).code).toBe(0);
    await page.goto(`${h.server.url}/account/support`);
    expect(await page.locator('#security-code').count()).toBe(0);
    expect(await page.locator('li.session').count()).toBe(1);
    await shot('support-active', 'support.title');
    await submitWith(page, () => page.locator('li.session button.danger').click());
    expect(await page.locator('.notice').innerText()).toBe(t('support.done_ended'));
    await shot('support-ended', 'support.title');
    expect((await runSupportApp(['status', '--state', state])).code).toBe(1);
    await page.goto(`${h.server.url}/support/download`);
    await shot('support-download', 'support.download_title');
    expect(errors).toEqual([]);
    await context.close();
  });
}
