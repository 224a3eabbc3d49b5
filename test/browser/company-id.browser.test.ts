/**
 * Company sign-in in a real browser (Debian's headless Chromium via playwright-core; no browser is
 * downloaded): app → email page → "Use my company ID" → the company's IdP (an Entra ID stand-in) →
 * back at the app with a code; the same through home realm discovery from the email; the chooser
 * when a company has two connections; a refused company sign-in as a translated page (French);
 * and an SSO-only member's password refused with the company sign-in offered. No page of ours logs
 * a console error. Screenshots go to test-artifacts/screenshots/company-<nn>-<page>.png.
 */
import { mkdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CONNECTION, startCompany, type Company } from '../helpers/company.js';
import { addUser, PASSWORD } from '../helpers/sign-in.js';
import { oidc } from '../helpers/rp.js';
import { translator } from '../../src/http/i18n.js';
import { switchSsoOnlyOn } from '../helpers/sso-only.js';

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
const en = translator('en');
const fr = translator('fr');

let c: Company;
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
  [c, browser] = await Promise.all([startCompany({ mfa_trust: 'trust' }), chromium.launch({ executablePath: CHROMIUM, args: ARGS })]);
  await c.h.server.services.clients.upsert({
    client_id: 'browser-app',
    client_secret: 'browser-app-secret',
    client_name: 'Contoso Portal',
    redirect_uris: [redirectUri],
    first_party: true,
  });
  client = await oidc.discovery(
    new URL(c.h.server.url),
    'browser-app',
    'browser-app-secret',
    oidc.ClientSecretBasic('browser-app-secret'),
    { execute: [oidc.allowInsecureRequests] },
  );
  c.idp.people.set('bea', { oid: 'oid-bea', email: 'bea@contoso.test', name: 'Bea Browser' });
});
afterAll(async () => {
  await browser?.close();
  await c?.close();
  await new Promise((r) => app?.close(r));
});

/** A fresh browser tab whose console errors on Wayfinder's pages are collected. */
async function tab() {
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 900, height: 800 } });
  const page = await context.newPage();
  const errors: string[] = [];
  const ours = (url: string) => url.startsWith(c.h.server.url) && new URL(url).pathname !== '/favicon.ico';
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
  await page.screenshot({ path: path.join(SHOTS, `company-${String(shot).padStart(2, '0')}-${name}.png`), fullPage: true });
}

const heading = async (page: Page) => (await page.locator('h1').innerText()).trim();
async function click(page: Page, selector: string) {
  await Promise.all([page.waitForNavigation(), page.locator(selector).first().click()]);
}
async function startAtApp(page: Page) {
  const url = oidc.buildAuthorizationUrl(client, {
    redirect_uri: redirectUri,
    scope: 'openid email',
    code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
    code_challenge_method: 'S256',
  });
  await page.goto(url.toString());
}
async function signInAtCompany(page: Page, username: string, mfa = false) {
  expect(await heading(page)).toBe('Contoso sign-in');
  await page.fill('input[name=username]', username);
  if (mfa) await page.check('input[name=mfa]');
  await click(page, 'button[type=submit]');
}

test('"Use my company ID": organization name → company IdP → back at the app with a code', async () => {
  const { page, context, errors } = await tab();
  await startAtApp(page);
  expect(await heading(page)).toBe(en('login.email_title'));
  await snap(page, 'email');
  await click(page, `a:has-text("${en('sso.use_company_id')}")`);
  expect(await heading(page)).toBe(en('sso.company_title'));
  await page.fill('input[name=organization]', 'Nobody Inc');
  await click(page, 'form[action$="/company"] button[type=submit]');
  expect(await page.locator('#organization-error').innerText()).toBe(en('sso.company_unknown'));
  await snap(page, 'company-unknown');
  await page.fill('input[name=organization]', 'Contoso');
  await snap(page, 'company');
  await click(page, 'form[action$="/company"] button[type=submit]');
  expect(page.url().startsWith(c.idp.issuer)).toBe(true);
  await snap(page, 'company-idp');
  await signInAtCompany(page, 'bea', true);
  expect(page.url().startsWith(redirectUri)).toBe(true);
  expect(new URL(page.url()).searchParams.get('code')).toBeTruthy();
  await snap(page, 'back-at-app');
  expect(errors).toEqual([]);
  await context.close();
});

test('home realm discovery: an address in the company domain goes straight to the company IdP', async () => {
  const { page, context, errors } = await tab();
  await startAtApp(page);
  await page.fill('input[name=email]', 'bea@contoso.test');
  await click(page, 'form[action$="/identify"] button[type=submit]');
  expect(page.url().startsWith(c.idp.issuer)).toBe(true);
  await signInAtCompany(page, 'bea');
  expect(new URL(page.url()).searchParams.get('code')).toBeTruthy();
  expect(errors).toEqual([]);
  await context.close();
});

test('two connections: the chooser lists them, and "I have my own email address" goes back', async () => {
  await c.h.server.features.connections.save({
    id: 'contoso-backup',
    orgId: c.orgId,
    kind: 'oidc',
    name: 'Contoso Backup IdP',
    secret: 'backup-secret-value',
    settings: { issuer: c.idp.issuer, client_id: 'backup' },
  });
  const { page, context, errors } = await tab();
  try {
    await startAtApp(page);
    await page.fill('input[name=email]', 'bea@contoso.test');
    await click(page, 'form[action$="/identify"] button[type=submit]');
    expect(await heading(page)).toBe(en('sso.choose_title'));
    expect(await page.locator('button[name=connection]').allInnerTexts()).toEqual([
      en('sso.continue_with', { name: 'Contoso Backup IdP' }),
      en('sso.continue_with', { name: 'Contoso Entra ID' }),
    ]);
    await snap(page, 'chooser');
    await click(page, `button:has-text("${en('sso.own_email')}")`);
    expect(await heading(page)).toBe(en('login.email_title'));
    await page.fill('input[name=email]', 'bea@contoso.test');
    await click(page, 'form[action$="/identify"] button[type=submit]');
    await click(page, `button[name=connection][value=${CONNECTION}]`);
    await signInAtCompany(page, 'bea');
    expect(new URL(page.url()).searchParams.get('code')).toBeTruthy();
    expect(errors).toEqual([]);
  } finally {
    await c.h.server.testDb.database.db.deleteFrom('connections').where('id', '=', 'contoso-backup').execute();
    await context.close();
  }
});

test("a refused company sign-in is a page in the person's language saying what happened and what to do", async () => {
  const { page, context, errors } = await tab();
  await startAtApp(page);
  await click(page, 'nav.languages a[hreflang="fr"]');
  await page.fill('input[name=email]', 'bea@contoso.test');
  await click(page, 'form[action$="/identify"] button[type=submit]');
  c.idp.refuseNextSignIn();
  await signInAtCompany(page, 'bea');
  expect(await heading(page)).toBe(fr('sso.error_title'));
  expect(await page.locator('#sso-error').innerText()).toBe(fr('sso.error.idp_error'));
  expect(await page.locator('#sso-hint').innerText()).toBe(fr('sso.error.idp_error_hint'));
  await snap(page, 'refused-fr');
  await click(page, `a:has-text("${fr('sso.try_again')}")`);
  await signInAtCompany(page, 'bea');
  expect(new URL(page.url()).searchParams.get('code')).toBeTruthy();
  expect(errors).toEqual([]);
  await context.close();
});

test("SSO only: a member's password is refused with an explanation and the company sign-in offered", async () => {
  const member = await addUser(c.h.server, 'contractor@elsewhere.test');
  await c.h.server.services.orgs.addMember(c.orgId, member.id, 'member');
  await switchSsoOnlyOn(c.h.server.services.db, c.orgId);
  const { page, context, errors } = await tab();
  try {
    await startAtApp(page);
    await page.fill('input[name=email]', 'contractor@elsewhere.test');
    await click(page, 'form[action$="/identify"] button[type=submit]');
    await page.fill('input[name=password]', PASSWORD);
    await click(page, 'form[action$="/password"] button[type=submit]');
    expect(await page.locator('#password-error').innerText()).toBe(en('login.sso_only'));
    await snap(page, 'sso-only-password');
    await click(page, `a.button:has-text("${en('sso.use_company_id')}")`);
    expect(await heading(page)).toBe(en('sso.company_title'));
    expect(errors).toEqual([]);
  } finally {
    await c.h.server.services.orgs.setSsoOnly(c.orgId, 'off');
    await context.close();
  }
});
