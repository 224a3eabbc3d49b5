/**
 * Debian's headless Chromium for page tests (playwright-core; no browser is ever downloaded), with
 * screenshots under test-artifacts/screenshots/ and a sign-in through the real pages.
 */
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
