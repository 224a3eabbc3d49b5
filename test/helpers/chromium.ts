/**
 * Debian's headless Chromium for page tests (playwright-core; no browser is ever downloaded), with
 * screenshots under test-artifacts/screenshots/ and a sign-in through the real pages.
 */
import { generate } from 'otplib';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
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
export const SHOTS = path.resolve('test-artifacts/screenshots');

export function launchChromium(): Promise<Browser> {
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

export async function newPage(browser: Browser, opts: { width?: number; height?: number; locale?: string; js?: boolean } = {}) {
  const context = await browser.newContext({
    locale: opts.locale ?? 'en-US',
    javaScriptEnabled: opts.js ?? true,
    viewport: { width: opts.width ?? 1280, height: opts.height ?? 800 },
  });
  return context.newPage();
}

export const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`) });

/** Submits a form by clicking its button; returns the final document's HTTP status. */
export async function submit(page: Page, button: string) {
  const [response] = await Promise.all([page.waitForNavigation(), page.locator(button).first().click()]);
  return response?.status();
}

/** True when the element's box lies inside the viewport (what a person sees without scrolling). */
export async function inViewport(locator: Locator) {
  return locator.evaluate((el) => {
    const r = el.getBoundingClientRect();
    return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight;
  });
}

/** Signs in through the pages, starting at My account; ends on My account. */
export async function signInToAccount(page: Page, base: string, email: string, password: string) {
  await page.goto(`${base}/account`);
  await page.fill('input[name=email]', email);
  await submit(page, 'form[action$="/identify"] button[type=submit]');
  await page.fill('input[name=password]', password);
  await submit(page, 'form[action$="/password"] button[type=submit]');
}

/** Runs `action` (a click, a key press, a goto) and waits for the navigation it starts. */
export const go = (page: Page, action: () => Promise<unknown>) => Promise.all([page.waitForNavigation(), action()]);

/**
 * Opens an admin center page `path` signed out and signs in by keyboard as `email` (the test
 * password), setting up the TOTP factor the admin center's step-up asks for on the way; ends on
 * `path` (or its section).
 */
export async function signInToAdminCenter(page: Page, base: string, email: string, path: string, lang: string) {
  const section = path.split('?')[0];
  await page.goto(`${base}${path}${path.includes('?') ? '&' : '?'}lang=${lang}`);
  await page.fill('input[name=email]', email);
  await go(page, () => page.locator('input[name=email]').press('Enter'));
  await page.fill('input[name=password]', 'correct horse battery staple');
  await go(page, () => page.locator('input[name=password]').press('Enter'));
  // The admin center asks for a fresh second factor: this administrator sets one up on the way.
  if (!page.url().includes('/factor')) await go(page, () => page.goto(`${base}${section}`));
  const secret = (await page.locator('code').first().innerText()).replace(/ /g, '');
  await page.fill('input[name=code]', await generate({ secret }));
  await go(page, () => page.locator('input[name=code]').press('Enter'));
  await go(page, () => page.locator('form[action$="/factor/continue"] button').click());
  if (!new URL(page.url()).pathname.startsWith(section)) await go(page, () => page.goto(`${base}${section}`));
}
