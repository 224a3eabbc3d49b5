/**
 * Social sign-in in a real browser (Debian's headless Chromium via playwright-core): the sign-in
 * page with all six providers' buttons (each its own mark and label) in English and French; Google
 * through its stand-in back to the app; Apple's form_post answer submitted by the browser back to
 * the app; an unlinked identity's "Connect your account" page; My account's linked sign-ins. No page
 * of ours logs a console error. Screenshots go to test-artifacts/screenshots/social-<nn>-<page>.png.
 */
import { mkdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { translator } from '../../src/http/i18n.js';
import { addUser, PASSWORD, uniqueEmail } from '../helpers/sign-in.js';
import { oidc } from '../helpers/rp.js';
import { startSocial, type Social } from '../helpers/social.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const SHOTS = path.resolve('test-artifacts/screenshots');
const NAMES = ['Google', 'Microsoft', 'Apple', 'Facebook', 'LinkedIn', 'KeyVault ID'];
const en = translator('en');
const fr = translator('fr');

let s: Social;
let browser: Browser;
let app: http.Server;
let redirectUri: string;
let client: oidc.Configuration;
let shot = 0;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  app = http.createServer((_req, res) =>
    res
      .writeHead(200, { 'content-type': 'text/html' })
      .end('<!doctype html><html lang="en"><title>App</title><h1>Back at the app</h1></html>'),
  );
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  redirectUri = `http://127.0.0.1:${(app.address() as AddressInfo).port}/cb`;
  [s, browser] = await Promise.all([startSocial(), chromium.launch({ executablePath: CHROMIUM, args: ARGS })]);
  await s.h.server.services.clients.upsert({
    client_id: 'browser-app',
    client_secret: 'browser-app-secret',
    client_name: 'Travel Planner',
    redirect_uris: [redirectUri],
    first_party: true,
  });
  client = await oidc.discovery(
    new URL(s.h.server.url),
    'browser-app',
    'browser-app-secret',
    oidc.ClientSecretBasic('browser-app-secret'),
    { execute: [oidc.allowInsecureRequests] },
  );
});
afterAll(async () => {
  await browser?.close();
  await s?.close();
  await new Promise((r) => app?.close(r));
});

async function tab(locale = 'en-US') {
  const context = await browser.newContext({ locale, viewport: { width: 900, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  const ours = (url: string) => url.startsWith(s.h.server.url) && new URL(url).pathname !== '/favicon.ico';
  page.on('console', (m) => {
    if (m.type() === 'error' && ours(m.location().url) && !/status of 4\d\d/.test(m.text()))
      errors.push(`${m.location().url}: ${m.text()}`);
  });
  page.on('pageerror', (e) => {
    if (ours(page.url())) errors.push(`${page.url()}: ${e.message}`);
  });
  return { page, context, errors };
}
async function snap(page: Page, name: string) {
  shot += 1;
  await page.screenshot({ path: path.join(SHOTS, `social-${String(shot).padStart(2, '0')}-${name}.png`), fullPage: true });
}
const heading = async (page: Page) => (await page.locator('h1').innerText()).trim();
async function click(page: Page, selector: string) {
  await Promise.all([page.waitForNavigation(), page.locator(selector).first().click()]);
}
async function startAtApp(page: Page, extra: Record<string, string> = {}) {
  const url = oidc.buildAuthorizationUrl(client, {
    redirect_uri: redirectUri,
    scope: 'openid email',
    code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
    code_challenge_method: 'S256',
    ...extra,
  });
  await page.goto(url.toString());
}

test('the sign-in page shows all six providers, each with its mark and label, in English and in French', async () => {
  for (const [locale, t, lang] of [
    ['en-US', en, 'en'],
    ['fr-FR', fr, 'fr'],
  ] as const) {
    const { page, context, errors } = await tab(locale);
    await startAtApp(page, { ui_locales: lang });
    expect(await heading(page)).toBe(t('login.email_title'));
    const buttons = page.locator('button.social-button');
    expect(await buttons.allInnerTexts()).toEqual(NAMES.map((name) => t('social.continue_with', { name })));
    expect(await page.locator('button.social-button svg').count()).toBe(6);
    await snap(page, `sign-in-${lang}`);
    expect(errors).toEqual([]);
    await context.close();
  }
});

test('Google: the button → the provider → back at the app with a code (a linked identity)', async () => {
  const user = await addUser(s.h.server, uniqueEmail('browser'));
  await s.h.server.features.socialStore.link({ connection_id: 'google', subject: 'g-browser', user_id: user.id, email: null, name: null });
  s.google.people.set('g-browser', { email: user.email, email_verified: true });
  const { page, context, errors } = await tab();
  await startAtApp(page);
  await click(page, 'button.social-google');
  expect(page.url().startsWith(s.google.origin)).toBe(true);
  await page.fill('input[name=username]', 'g-browser');
  await click(page, 'button');
  expect(page.url().startsWith(redirectUri)).toBe(true);
  expect(new URL(page.url()).searchParams.get('code')).toBeTruthy();
  expect(errors).toEqual([]);
  await context.close();
});

test('Apple: the browser posts the form_post answer back, and arrives at the app', async () => {
  const user = await addUser(s.h.server, uniqueEmail('apple-browser'));
  await s.h.server.features.socialStore.link({ connection_id: 'apple', subject: '001.browser', user_id: user.id, email: null, name: null });
  s.apple.next.person = { sub: '001.browser', email: user.email };
  const { page, context, errors } = await tab();
  await startAtApp(page);
  await click(page, 'button.social-apple');
  expect(page.url().startsWith(s.apple.issuer)).toBe(true);
  await Promise.all([
    page.waitForURL((u) => u.toString().startsWith(redirectUri)),
    page.evaluate(() => (document.getElementById('apple-form') as HTMLFormElement).submit()),
  ]);
  expect(new URL(page.url()).searchParams.get('code')).toBeTruthy();
  expect(errors).toEqual([]);
  await context.close();
});

test('an unlinked identity: the "Connect your account" page, then My account lists linked sign-ins', async () => {
  const email = uniqueEmail('connect');
  await addUser(s.h.server, email);
  s.linkedin.people.set('li-connect', { email, email_verified: true });
  const { page, context, errors } = await tab();
  await startAtApp(page);
  await click(page, 'button.social-linkedin');
  await page.fill('input[name=username]', 'li-connect');
  await click(page, 'button');
  expect(await heading(page)).toBe(en('social.link_title', { name: 'LinkedIn' }));
  await snap(page, 'connect-account');
  await page.fill('form[action$="/link/password"] input[name=password]', PASSWORD);
  await click(page, 'form[action$="/link/password"] button[type=submit]');
  expect(page.url().startsWith(redirectUri)).toBe(true);

  await page.goto(`${s.h.server.url}/account`);
  expect(await heading(page)).toBe(en('account.title'));
  const rows = page.locator('table.linked-sign-ins tr');
  expect(await rows.count()).toBe(6);
  expect(await page.locator('tr[data-provider=linkedin] button').innerText()).toBe(en('social.unlink'));
  expect(await page.locator('tr[data-provider=google] button').innerText()).toBe(en('social.link'));
  await page.locator('#linked-sign-ins').scrollIntoViewIfNeeded();
  await snap(page, 'my-account-linked');
  expect(errors).toEqual([]);
  await context.close();
});
