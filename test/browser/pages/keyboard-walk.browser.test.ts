/**
 * Issue 16, keyboard only: sign-in (email → password), two-step (authenticator code) and My account
 * (and an enrolment page reached from it) walked with Tab, Shift+Tab, Enter and Space alone. On every
 * page: each Tab lands on the next focusable element in document order (logical order), the focused
 * element shows an outline (computed style), Shift+Tab goes back, and Tabbing on comes round to the
 * start (no trap). Also: `lang` right in every language, the autocomplete tokens of every sign-in,
 * sign-up, reset, password and code field, and reduced motion (no transitions or animations).
 * Screenshots: test-artifacts/screenshots/keyboard-*.png (the focused element on each page).
 */
import path from 'node:path';
import { generate } from 'otplib';
import type { Browser, Page } from 'playwright-core';
import { LANGUAGES } from '../../../src/http/i18n.js';
import { launchChromium, SHOTS } from '../../helpers/chromium.js';
import { PageClient } from '../../helpers/browser.js';
import { addUser, PASSWORD, startWithMail, uniqueEmail, type Harness } from '../../helpers/sign-in.js';

const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
let h: Harness;
let browser: Browser;

beforeAll(async () => {
  [h, browser] = await Promise.all([startWithMail(), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

const FOCUSABLE = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]:not([tabindex="-1"])';

/** What has focus: a readable name, and whether its focus ring is drawn. */
const focused = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return { key: 'body', ring: true, color: 'rgb(0, 0, 0)' };
    const s = getComputedStyle(el);
    const ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2) || (s.boxShadow !== 'none' && s.boxShadow !== '');
    return {
      key: `${el.tagName.toLowerCase()}#${el.id}|${el.getAttribute('name') ?? ''}|${(el.textContent ?? '').trim().slice(0, 40)}|${el.getAttribute('href') ?? ''}`,
      ring,
      color: s.outlineColor,
    };
  });

/** The contrast of a computed rgb() color with white (WCAG 2.x). */
function contrastWithWhite(rgb: string) {
  const [r, g, b] = (rgb.match(/\d+(\.\d+)?/g) ?? ['0', '0', '0']).slice(0, 3).map((c) => {
    const v = Number(c) / 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  });
  return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05);
}

/** The focusable elements a person can reach, in document order (visible, enabled). */
const tabOrder = (page: Page) =>
  page.evaluate((selector) => {
    return Array.from(document.querySelectorAll<HTMLElement>(selector))
      .filter(
        (el) =>
          el.getClientRects().length > 0 &&
          !(el as HTMLButtonElement).disabled &&
          !el.closest('[hidden]') &&
          getComputedStyle(el).visibility !== 'hidden',
      )
      .map(
        (el) =>
          `${el.tagName.toLowerCase()}#${el.id}|${el.getAttribute('name') ?? ''}|${(el.textContent ?? '').trim().slice(0, 40)}|${el.getAttribute('href') ?? ''}`,
      );
  }, FOCUSABLE);

/**
 * Tabs through the whole page from where focus is: every stop is the next element in document
 * order with a visible ring; Shift+Tab from each stop returns to the one before; it comes round.
 */
async function walk(page: Page, name: string) {
  const order = await tabOrder(page);
  expect(order.length).toBeGreaterThan(0);
  const start = await focused(page);
  const visited: string[] = [];
  for (let i = 0; i <= order.length + 1; i += 1) {
    await page.keyboard.press('Tab');
    const f = await focused(page);
    if (f.key !== 'body') {
      // Drawn, and strong enough to see against the white card (WCAG 1.4.11: 3:1).
      expect([name, f.key, f.ring, contrastWithWhite(f.color) >= 3]).toEqual([name, f.key, true, true]);
      if (visited.length === 1) await page.screenshot({ path: path.join(SHOTS, `keyboard-${name}.png`) });
    }
    visited.push(f.key);
  }
  const stops = visited.filter((k) => k !== 'body');
  // Logical order: the stops follow the document, wrapping once from the last element to the first.
  const first = order.indexOf(stops[0]);
  expect(first).toBeGreaterThanOrEqual(0);
  const expected = Array.from({ length: stops.length }, (_, i) => order[(first + i) % order.length]);
  expect([name, stops]).toEqual([name, expected]);
  // No trap: every element was reached, and focus came round past the end of the page.
  expect(new Set(stops).size).toBe(order.length);
  // Shift+Tab walks back one stop.
  const here = await focused(page);
  await page.keyboard.press('Shift+Tab');
  const back = await focused(page);
  const i = order.indexOf(here.key);
  expect([name, back.key]).toEqual([name, i > 0 ? order[i - 1] : back.key]);
  return { order, start };
}

/** Moves focus with Tab until `selector` has it (at most one round of the page). */
async function tabTo(page: Page, selector: string) {
  const n = (await tabOrder(page)).length + 2;
  for (let i = 0; i < n; i += 1) {
    if (
      await page
        .locator(selector)
        .first()
        .evaluate((el) => el === document.activeElement)
    )
      return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${selector}`);
}

const go = (page: Page, key: string) => Promise.all([page.waitForNavigation(), page.keyboard.press(key)]);

test('keyboard only: email → password → authenticator code → My account → an enrolment page and back', async () => {
  const email = uniqueEmail('keys');
  const user = await addUser(h.server, email);
  await h.server.features.factorStore.insertFactor({
    user_id: user.id,
    kind: 'totp',
    label: 'phone',
    secret_enc: h.server.services.box.seal(SECRET, 'factor-secret'),
    confirmed: true,
  });
  const context = await browser.newContext({ locale: 'en', viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${h.server.url}/account`);

  // Email step: the field has focus on arrival; typing and Enter go on.
  expect(await page.locator('#email').evaluate((el) => el === document.activeElement)).toBe(true);
  await walk(page, 'email');
  await tabTo(page, '#email');
  await page.keyboard.type(email);
  await go(page, 'Enter');

  // Password step: type, Space ticks "Stay signed in", Shift+Tab back, Enter signs in.
  expect(await page.locator('#password').evaluate((el) => el === document.activeElement)).toBe(true);
  await walk(page, 'password');
  await tabTo(page, '#password');
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press('Tab');
  expect(await page.locator('input[name=remember]').evaluate((el) => el === document.activeElement)).toBe(true);
  await page.keyboard.press('Space');
  expect(await page.locator('input[name=remember]').isChecked()).toBe(true);
  await page.keyboard.press('Shift+Tab');
  await go(page, 'Enter');

  // Two-step: the code field has focus.
  expect(await page.locator('#code').evaluate((el) => el === document.activeElement)).toBe(true);
  await walk(page, 'two-step');
  await tabTo(page, '#code');
  await page.keyboard.type(await generate({ secret: SECRET }));
  await go(page, 'Enter');
  expect(new URL(page.url()).pathname).toBe('/account');

  // My account: every control reachable in order with a ring; Enter follows a link.
  await walk(page, 'account');
  await tabTo(page, 'a[href^="/account/factors/totp"]');
  await go(page, 'Enter');
  expect(new URL(page.url()).pathname).toMatch(/^\/account\/factors\/totp/);
  await walk(page, 'enrol-totp');
  expect(await page.locator('#code').getAttribute('autocomplete')).toBe('one-time-code');
  // Cancel (a link back to My account), reached and followed by keyboard.
  await tabTo(page, '.links.cancel a');
  await go(page, 'Enter');
  expect(new URL(page.url()).pathname).toBe('/account');
  await context.close();
});

test('lang is the page language on the sign-in, sign-up and reset pages, in every language', async () => {
  for (const lang of LANGUAGES) {
    const c = new PageClient(h.server.url);
    for (const p of ['/account', '/signup', '/password/forgot']) {
      await c.get(`${p}?lang=${lang}`);
      expect([p, /<html lang="([a-z]+)">/.exec(c.last.body)?.[1]]).toEqual([p, lang]);
    }
  }
});

test('autocomplete tokens: username, current-password, new-password and one-time-code wherever they apply', async () => {
  const email = uniqueEmail('tokens');
  await addUser(h.server, email);
  const c = new PageClient(h.server.url);
  const fields = (html: string) =>
    [...html.matchAll(/<input\b[^>]*>/g)]
      .map((m) => m[0])
      .filter((tag) => !/type="(hidden|checkbox|radio|submit|file)"/.test(tag))
      .map((tag) => ({
        type: /type="([^"]+)"/.exec(tag)?.[1],
        name: /name="([^"]+)"/.exec(tag)?.[1],
        autocomplete: /autocomplete="([^"]+)"/.exec(tag)?.[1],
      }));
  const seen: string[] = [];
  const check = (page: string, html: string) => {
    for (const f of fields(html)) {
      seen.push(`${page}:${f.name}:${f.autocomplete}`);
      if (f.type === 'password')
        expect([page, f.name, f.autocomplete]).toEqual([page, f.name, expect.stringMatching(/^(current|new)-password$/)]);
      if (f.name === 'code') expect([page, f.autocomplete]).toEqual([page, 'one-time-code']);
      if (f.type === 'email' || f.name === 'username')
        expect([page, f.name, f.autocomplete]).toEqual([page, f.name, expect.stringMatching(/^(username|email)$/)]);
    }
  };
  await c.get('/account');
  check('email', c.last.body);
  await c.get('/signup');
  check('signup', c.last.body);
  expect(c.last.body).toMatch(/type="password"[^>]*autocomplete="new-password"/);
  await c.get('/password/forgot');
  check('forgot', c.last.body);
  await c.get('/account');
  const uid = /\/interaction\/([^/?#"]+)/.exec(c.last.url)![1];
  await c.post(`/interaction/${uid}/identify`, { email });
  check('password', c.last.body);
  expect(c.last.body).toMatch(/autocomplete="current-password"/);
  await c.post(`/interaction/${uid}/password`, { password: PASSWORD });
  check('account', c.last.body);
  expect(c.last.body).toMatch(
    /name="current_password"[^>]*autocomplete="current-password"|autocomplete="current-password"[^>]*name="current_password"/,
  );
  expect(c.last.body).toMatch(/autocomplete="new-password"/);
  await c.get('/account/factors/totp/add');
  check('enrol-totp', c.last.body);
  expect(seen.some((s) => s.startsWith('enrol-totp:code:one-time-code'))).toBe(true);
});

test('reduced motion: the stylesheet turns transitions and animations off when the person asks for less motion', async () => {
  const durations = async (reducedMotion: 'reduce' | 'no-preference') => {
    const context = await browser.newContext({ reducedMotion, bypassCSP: true, viewport: { width: 390, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${h.server.url}/account`);
    // A moving element of the kind a future page might add: our stylesheet must still stop it.
    await page.addStyleTag({
      content: '@keyframes wf-spin { to { transform: rotate(1turn); } } button { transition: opacity 1s; animation: wf-spin 2s infinite; }',
    });
    const out = await page
      .locator('button[type=submit]')
      .first()
      .evaluate((el) => {
        const s = getComputedStyle(el);
        return {
          transition: s.transitionDuration,
          animation: s.animationName,
          scroll: getComputedStyle(document.documentElement).scrollBehavior,
        };
      });
    await context.close();
    return out;
  };
  expect(await durations('no-preference')).toEqual({ transition: '1s', animation: 'wf-spin', scroll: 'auto' });
  expect(await durations('reduce')).toEqual({ transition: '0s', animation: 'none', scroll: 'auto' });
});

test('the walk can fail: an element without a focus ring, and a tab order against the document, are caught', async () => {
  const page = await browser.newPage();
  await page.setContent('<!doctype html><html lang="en"><body><a href="#a" style="outline:none">a</a><button>b</button></body></html>');
  await page.keyboard.press('Tab');
  await expect(walk(page, 'no-ring')).rejects.toThrow();
  await page.setContent(
    '<!doctype html><html lang="en"><body><a href="#a" tabindex="2">a</a><a href="#b" tabindex="1">b</a><a href="#c">c</a></body></html>',
  );
  await expect(walk(page, 'order')).rejects.toThrow();
  await page.close();
});
