/**
 * The admin center's app registration in Chromium (English at 1280 px, French at 390 px), by
 * keyboard: an OpenID Connect app added from the short form (its secret shown once, never again),
 * its client metadata replaced on its page, then removed after a confirmation step; a SAML app
 * added from pasted metadata and its metadata replaced. Each page translated and photographed
 * (test-artifacts/screenshots/admin-apps-*.png), with no console errors and no serious or critical
 * axe-core (WCAG 2.x A/AA) violation.
 */
import path from 'node:path';
import { axeCheck, WCAG_AA } from '../helpers/axe.js';
import { SAML } from '@node-saml/node-saml';
import type { Browser } from 'playwright-core';
import { launchChromium, SHOTS, go, signInToAdminCenter } from '../helpers/chromium.js';
import { translator } from '../../src/http/i18n.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { setUpAdmin } from '../helpers/admin-api.js';
import { spKeys } from '../helpers/saml-sp.js';

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchChromium()]);
  await setUpAdmin(server);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function spMetadata(host: string, acs = `https://${host}/acs`) {
  const keys = await spKeys();
  return new SAML({ issuer: `https://${host}/metadata`, callbackUrl: acs, idpCert: keys.certificate }).generateServiceProviderMetadata(
    null,
    keys.certificate,
  );
}

for (const [lang, width, email, org] of [
  ['en', 1280, 'ann@acme.test', 'acme'],
  ['fr', 390, 'gil@globex.test', 'globex'],
] as const) {
  test(`admin center apps: register, replace, remove (${lang}, ${width} px)`, async () => {
    const t = translator(lang);
    const context = await browser.newContext({ locale: lang, viewport: { width, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && !m.text().includes('status of 4') && errors.push(m.text()));
    let n = 0;
    const problems: string[] = [];
    const shot = async (name: string, title: string) => {
      const axe = await axeCheck(page, WCAG_AA);
      for (const v of axe.violations)
        if (v.impact === 'serious' || v.impact === 'critical')
          problems.push(`${name}: ${v.id} ${v.nodes.map((x) => x.target.join(' ')).join(', ')}`);
      expect(await page.locator('html').getAttribute('lang')).toBe(lang);
      expect((await page.locator('h1').innerText()).trim()).toBe(title);
      n += 1;
      await page.screenshot({
        path: path.join(SHOTS, `admin-apps-${lang}-${width}-${String(n).padStart(2, '0')}-${name}.png`),
        fullPage: true,
      });
    };
    await signInToAdminCenter(page, server.url, email, '/admin/apps', lang);

    // An OIDC web app from the form, by keyboard: its secret is shown on this answer only.
    const name = `${org} Notes`;
    await page.locator('#oidc-name').focus();
    await page.keyboard.type(name);
    await page.keyboard.press('Tab');
    await page.keyboard.type(`https://notes.${org}.test/cb`);
    expect(await page.locator('input[name=app_type][value=web]').isChecked()).toBe(true);
    await page.locator('#oidc-name').focus();
    await go(page, () => page.keyboard.press('Enter'));
    expect(await page.locator('.notice[role=status]').innerText()).toBe(t('admin.done_oidc_added'));
    const clientSecret = await page.locator('#client-secret').innerText();
    expect(clientSecret).toMatch(/^[\w-]{32}$/);
    const clientId = (await page.locator('section.notice dd code').first().innerText()).trim();
    expect((await server.services.clients.metadata(clientId))?.client_secret).toBe(clientSecret);
    await shot('oidc-added', t('admin.apps'));

    // Its page: the metadata as JSON (no secret), replaced by keyboard.
    await page.locator(`a[aria-label="${t('admin.apps_manage_for', { app: name })}"]`).focus();
    await go(page, () => page.keyboard.press('Enter'));
    expect(await page.content()).not.toContain(clientSecret);
    const metadata = JSON.parse(await page.locator('#replace-metadata').inputValue()) as Record<string, unknown>;
    expect(metadata).toMatchObject({ client_id: clientId, redirect_uris: [`https://notes.${org}.test/cb`] });
    await shot('oidc-app', name);
    await page.fill('#replace-metadata', JSON.stringify({ ...metadata, client_name: `${name} 2`, response_types: undefined }));
    await page.locator('form[action*="/oidc-metadata"] button').focus();
    await go(page, () => page.keyboard.press('Enter'));
    expect(await page.locator('.notice[role=status]').innerText()).toBe(t('admin.done_metadata_replaced'));
    expect((await server.services.clients.metadata(clientId))?.client_secret).toBe(clientSecret);
    // A bad replacement is shown on the page with its reason.
    await page.fill('#replace-metadata', '{ not json');
    await go(page, () => page.locator('form[action*="/oidc-metadata"] button').click());
    expect(await page.locator('#replace-error').innerText()).toContain(t('admin.apps_oidc_not_json'));
    await shot('oidc-replace-refused', `${name} 2`);

    // Removed after a confirmation step.
    await page.locator(`a[aria-label="${t('admin.apps_remove_for', { app: `${name} 2` })}"]`).focus();
    await go(page, () => page.keyboard.press('Enter'));
    await shot('oidc-remove-confirm', t('admin.apps_remove_title', { app: `${name} 2` }));
    await page.locator('form[action$=remove] button, form[action*="/remove?"] button').focus();
    await go(page, () => page.keyboard.press('Enter'));
    expect(await page.locator('.notice[role=status]').innerText()).toBe(t('admin.done_app_removed'));
    expect(await page.locator('li.session strong').allInnerTexts()).not.toContain(`${name} 2`);
    expect(await server.services.clients.metadata(clientId)).toBeUndefined();

    // A SAML app from pasted metadata, then its metadata replaced (a new ACS) on its page.
    const host = `${org}-crm.example.test`;
    await page.fill('#saml-metadata', await spMetadata(host));
    await go(page, () => page.locator('form[action*="/apps/saml"] button').click());
    expect(await page.locator('.notice[role=status]').innerText()).toBe(t('admin.done_saml_added'));
    const entity = `https://${host}/metadata`;
    await page.locator(`a[aria-label="${t('admin.apps_manage_for', { app: entity })}"]`).focus();
    await go(page, () => page.keyboard.press('Enter'));
    await page.fill('#replace-metadata', await spMetadata(host, `https://${host}/new-acs`));
    await go(page, () => page.locator('form[action*="/saml-metadata"] button').click());
    expect(await page.locator('.notice[role=status]').innerText()).toBe(t('admin.done_metadata_replaced'));
    const sp = await server.features.saml.registry.findByEntityId(entity);
    expect(sp?.acs.map((a) => a.location)).toEqual([`https://${host}/new-acs`]);
    await shot('saml-replaced', entity);
    expect(errors).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });
}
