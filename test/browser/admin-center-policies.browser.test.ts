/**
 * The admin center's groups, security and sign-in pages in Chromium (English at 1280 px, French at
 * 390 px), used by keyboard only (Tab to a control, Enter or Space to act): a group created and a
 * member added, session lengths saved, the sign-in page with a domain and a connection; each page
 * translated and photographed (test-artifacts/screenshots/admin-more-*.png), with no console errors.
 */
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, SHOTS, go, signInToAdminCenter } from '../helpers/chromium.js';
import { translator } from '../../src/http/i18n.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { setUpAdmin } from '../helpers/admin-api.js';

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchChromium()]);
  const admin = await setUpAdmin(server);
  for (const slug of ['acme', 'globex'])
    await server.features.connections.save({
      id: `${slug}-browser-idp`,
      orgId: await admin.orgId(slug),
      kind: 'oidc',
      name: `${slug} Entra ID`,
      secret: 'browser-connection-secret-0123456789',
      settings: { issuer: `https://login.${slug}-browser.test`, client_id: 'wayfinder' },
    });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Tabs until `selector` has the focus (at most 80 presses), as a keyboard user would. */
async function tabTo(page: Page, selector: string) {
  for (let i = 0; i < 80; i += 1) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
  }
  throw new Error(`could not reach ${selector} with the keyboard`);
}

for (const [lang, width, email, slug] of [
  ['en', 1280, 'ann@acme.test', 'acme'],
  ['fr', 390, 'gil@globex.test', 'globex'],
] as const) {
  test(`groups, security and sign-in pages (${lang}, ${width} px)`, async () => {
    const t = translator(lang);
    const context = await browser.newContext({ locale: lang, viewport: { width, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && !m.text().includes('status of 4') && errors.push(m.text()));
    let n = 0;
    const shot = async (name: string, title: string) => {
      expect(await page.locator('html').getAttribute('lang')).toBe(lang);
      expect((await page.locator('h1').innerText()).trim()).toBe(title);
      n += 1;
      await page.screenshot({
        path: path.join(SHOTS, `admin-more-${lang}-${width}-${String(n).padStart(2, '0')}-${name}.png`),
        fullPage: true,
      });
    };
    await signInToAdminCenter(page, server.url, email, '/admin/groups', lang);

    // Groups, by keyboard: type a name, Enter; then add a member by email.
    await tabTo(page, 'input[name=name]');
    await page.keyboard.type(t('admin.groups') + ' 1');
    await go(page, () => page.keyboard.press('Enter'));
    expect(await page.locator('p.notice').innerText()).toBe(t('admin.done_group_created'));
    await tabTo(page, 'input[name=email][type=email]');
    await page.keyboard.type(email);
    await go(page, () => page.keyboard.press('Enter'));
    expect(await page.locator('tbody tr').count()).toBe(1);
    await shot('group', `${t('admin.groups')} 1`);
    await go(page, () => page.locator('a[href^="/admin/groups?"]').first().click());
    await shot('groups', t('admin.groups'));

    // Security policies: session lengths by keyboard (the Save button reached with Tab, pressed with Space).
    await go(page, () => page.locator('nav.tabs a[href^="/admin/security"]').click());
    await tabTo(page, 'input[name=max_session_hours]');
    await page.keyboard.type('8');
    await tabTo(page, 'form[action^="/admin/security/sessions"] button');
    await go(page, () => page.keyboard.press('Space'));
    expect(await page.locator('p.notice').innerText()).toBe(t('admin.done_sessions'));
    expect(await page.locator('input[name=max_session_hours]').inputValue()).toBe('8');
    await shot('security', t('admin.security'));

    // Sign-in & SSO: claim a domain, then ask for a test sign-in link.
    await go(page, () => page.locator('nav.tabs a[href^="/admin/sign-in"]').click());
    await tabTo(page, 'input[name=domain]');
    await page.keyboard.type(`${slug}-browser.test`);
    await go(page, () => page.keyboard.press('Enter'));
    expect(await page.locator('code', { hasText: `_wayfinder-verification.${slug}-browser.test` }).count()).toBe(1);
    await tabTo(page, 'form[action*="/test-link"] button');
    await go(page, () => page.keyboard.press('Enter'));
    expect(await page.locator('#test-link').innerText()).toContain('/sso/test/');
    await shot('sign-in', t('admin.sign-in'));
    expect(errors).toEqual([]);
    await context.close();
  });
}
