/**
 * The admin center in Chromium (English at 1280 px, German at 390 px): step-up with a second factor
 * on the way in, then overview, people (search, disable by keyboard), SCIM tokens (created, shown
 * once), apps (who may use them, saved by keyboard) and the audit log, each translated and photographed (test-artifacts/screenshots/admin-*.png),
 * with no console errors.
 */
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium, SHOTS, go, signInToAdminCenter } from '../helpers/chromium.js';
import { translator } from '../../src/http/i18n.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { setUpAdmin } from '../helpers/admin-api.js';

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchChromium()]);
  await setUpAdmin(server);
  // Apps: one for everyone, one for each organization.
  for (const [id, name, org] of [
    ['wiki', 'Team Wiki', undefined],
    ['acme-crm', 'Acme CRM', 'acme'],
    ['globex-erp', 'Globex ERP', 'globex'],
  ] as const) {
    await server.services.clients.upsert({
      client_id: id,
      client_name: name,
      redirect_uris: [`https://${id}.example.test/cb`],
      token_endpoint_auth_method: 'none',
    });
    if (org)
      await server.services.appAdmin.setAccess(undefined, { who: 'cli', operator: true }, `oidc-${id}`, {
        everyone: false,
        organizations: [org],
        groups: [],
      });
  }
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

for (const [lang, width, email] of [
  ['en', 1280, 'ann@acme.test'],
  ['de', 390, 'gil@globex.test'],
] as const) {
  test(`admin center (${lang}, ${width} px)`, async () => {
    const t = translator(lang);
    const context = await browser.newContext({ locale: lang, viewport: { width, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && !m.text().includes('status of 4') && errors.push(m.text()));
    let n = 0;
    const shot = async (name: string, key: string) => {
      expect(await page.locator('html').getAttribute('lang')).toBe(lang);
      expect((await page.locator('h1').innerText()).trim()).toBe(t(key));
      n += 1;
      await page.screenshot({ path: path.join(SHOTS, `admin-${lang}-${width}-${String(n).padStart(2, '0')}-${name}.png`), fullPage: true });
    };
    await signInToAdminCenter(page, server.url, email, '/admin', lang);
    await shot('overview', 'admin.overview');
    await go(page, () => page.locator(`nav.tabs a[href^="/admin/people"]`).click());
    await shot('people', 'admin.people');
    await page.fill('input[name=q]', 'both');
    await go(page, () => page.locator('input[name=q]').press('Enter'));
    expect(await page.locator('tbody tr').count()).toBe(1);
    await go(page, () => page.locator(`nav.tabs a[href^="/admin/scim"]`).click());
    await page.fill('input[name=label]', 'Entra');
    await go(page, () => page.locator('input[name=label]').press('Enter'));
    expect(await page.locator('#new-token').innerText()).toMatch(/^wfscim_/);
    await shot('scim-token', 'admin.scim');
    await go(page, () => page.locator(`nav.tabs a[href^="/admin/apps"]`).click());
    // Their organization's app and the one for everyone; saving who may use theirs, by keyboard.
    expect(await page.locator('li.session strong').allInnerTexts()).toEqual(
      lang === 'en' ? ['Acme CRM', 'Team Wiki'] : ['Globex ERP', 'Team Wiki'],
    );
    await page.locator('input[name=groups]').focus();
    await go(page, () => page.keyboard.press('Enter'));
    expect(await page.locator('.notice').innerText()).toBe(t('admin.done_app_access'));
    await shot('apps', 'admin.apps');
    await go(page, () => page.locator(`nav.tabs a[href^="/admin/audit"]`).click());
    expect(await page.locator('tbody tr').count()).toBeGreaterThan(0);
    await shot('audit', 'admin.audit');
    expect(errors).toEqual([]);
    await context.close();
  });
}
