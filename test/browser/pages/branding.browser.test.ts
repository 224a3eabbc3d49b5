/**
 * The admin center's branding page in Chromium: a primary color below WCAG AA is refused beside its
 * field (summary linked to it, the field marked invalid, the reason translated), a good one is saved,
 * a PNG logo is uploaded (multipart, CSRF-checked) and a GIF refused; then My account wears the
 * organization's brand (logo, product name in the title, buttons in the color); the page passes axe.
 * Screenshots:
 * test-artifacts/screenshots/branding-*.png.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { axeCheck } from '../../helpers/axe.js';
import type { Browser } from 'playwright-core';
import { launchChromium, SHOTS, go, signInToAdminCenter } from '../../helpers/chromium.js';
import { translator } from '../../../src/http/i18n.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { setUpAdmin } from '../../helpers/admin-api.js';

/** A 120×32 PNG logo: a green bar with a white stripe (written by hand: no image library needed). */
function logoPng() {
  const [w, h] = [120, 32];
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => (b.reduce((c, x) => crcTable[(c ^ x) & 0xff] ^ (c >>> 8), 0xffffffff) ^ 0xffffffff) >>> 0;
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), body.length + 4);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const rows = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y += 1)
    for (let x = 0; x < w; x += 1)
      rows.set(y > 12 && y < 19 && x > 8 && x < 110 ? [255, 255, 255] : [20, 83, 45], y * (w * 3 + 1) + 1 + x * 3);
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([sig, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}
const PNG = logoPng();
const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

let server: TestServer;
let browser: Browser;
let dir: string;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchChromium()]);
  await setUpAdmin(server);
  dir = mkdtempSync(path.join(os.tmpdir(), 'wf-brand-ui-'));
  writeFileSync(path.join(dir, 'logo.png'), PNG);
  writeFileSync(path.join(dir, 'logo.gif'), GIF);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

for (const [lang, width, email] of [
  ['en', 1280, 'ann@acme.test'],
  ['fr', 390, 'gil@globex.test'],
] as const) {
  test(`branding page (${lang}, ${width} px): contrast refused beside the field, saved, logo uploaded, My account branded`, async () => {
    const t = translator(lang);
    const context = await browser.newContext({ locale: lang, viewport: { width, height: 900 } });
    const page = await context.newPage();
    const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `branding-${lang}-${width}-${name}.png`), fullPage: true });
    await signInToAdminCenter(page, server.url, email, '/admin/branding', lang);
    expect((await page.locator('h1').innerText()).trim()).toBe(t('admin.branding'));

    await page.fill('#primary_color', '#ffcc00');
    await go(page, () => page.locator('#primary_color').press('Enter'));
    await expect(page.locator('#primary_color').getAttribute('aria-invalid')).resolves.toBe('true');
    const reason = await page.locator('#primary_color-error').innerText();
    expect(reason).toBe(t('branding.contrast_text', { color: '#ffcc00', ratio: lang === 'fr' ? '1,51' : '1.51', against: '#ffffff' }));
    await expect(page.locator('.error-summary a[href="#primary_color"]').count()).resolves.toBe(1);
    expect(await page.locator('#primary_color-error').isVisible()).toBe(true);
    await shot('01-low-contrast');
    const axe = await axeCheck(page);
    expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);

    await page.fill('#product_name', `Acme Portal ${lang}`);
    await page.fill('#primary_color', '#14532d');
    await go(page, () => page.locator('#primary_color').press('Enter'));
    expect(await page.locator('.notice').innerText()).toBe(t('admin.done_branding_saved'));

    await page.setInputFiles('#logo-file', path.join(dir, 'logo.gif'));
    await go(page, () => page.locator('#logo-file ~ button').click());
    expect(await page.locator('#image-error').innerText()).toBe(t('branding.image_type'));
    await page.setInputFiles('#logo-file', path.join(dir, 'logo.png'));
    await go(page, () => page.locator('#logo-file ~ button').click());
    expect(await page.locator('.notice').innerText()).toBe(t('admin.done_branding_uploaded'));
    await shot('02-saved');

    await go(page, () => page.goto(`${server.url}/account`));
    expect(await page.title()).toMatch(new RegExp(` · Acme Portal ${lang}$`));
    expect(await page.locator('.brand img').getAttribute('alt')).toBe(`Acme Portal ${lang}`);
    const button = page.locator('main button:not(.secondary):not(.danger):not(.quiet):not(.link)').first();
    expect(await button.evaluate((b) => getComputedStyle(b).backgroundColor)).toBe('rgb(20, 83, 45)');
    await shot('03-my-account');
    await context.close();
  });
}
