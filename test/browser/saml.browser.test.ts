/**
 * SAML in a real browser (Debian's headless Chromium via playwright-core; no browser is downloaded):
 * two service providers — small local web apps using @node-saml/node-saml — and one person. Signing in
 * at the first SP shows Wayfinder's sign-in pages; the second SP then gets in without any prompt (the
 * Wayfinder session carries over). The response reaches each SP by an auto-submitted POST (a script
 * file: the CSP forbids inline scripts); without JavaScript the page's Continue button does it. No page
 * logs a console error (CSP violations included). Screenshots: test-artifacts/screenshots/saml-*.png.
 */
import { mkdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { addSp, type TestSp } from '../helpers/saml-sp.js';

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
const PASSWORD = 'correct horse battery staple';

let server: TestServer;
let browser: Browser;
const apps: Array<{ name: string; http: http.Server; sp: TestSp }> = [];

/** A tiny SP web app: /login starts a SAML sign-in, /acs validates the response with node-saml. */
async function startApp(
  name: string,
  settings: (base: string) => Record<string, unknown> = () => ({}),
  config: Record<string, unknown> = {},
) {
  const app = { name, http: http.createServer(), sp: undefined as unknown as TestSp };
  await new Promise<void>((resolve) => app.http.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(app.http.address() as AddressInfo).port}`;
  app.sp = await addSp(server, name, { baseUrl: base, settings: { display_name: name, ...settings(base) }, config });
  app.http.on('request', (req, res) => {
    void (async () => {
      if (req.url === '/login') return res.writeHead(302, { location: await app.sp.saml.getAuthorizeUrlAsync('', undefined, {}) }).end();
      if (req.url === '/acs' && req.method === 'POST') {
        let body = '';
        for await (const chunk of req) body += chunk;
        const { profile } = await app.sp.saml.validatePostResponseAsync(Object.fromEntries(new URLSearchParams(body)));
        return res
          .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
          .end(
            `<!doctype html><html lang="en"><title>${name}</title><h1>Signed in to ${name}</h1><p id="who">${profile!.email as string}</p></html>`,
          );
      }
      res.writeHead(404).end();
    })().catch((err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`SP error: ${err.message}`));
  });
  apps.push(app);
  return { ...app, base };
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  [server, browser] = await Promise.all([startTestServer(), chromium.launch({ executablePath: CHROMIUM, args: ARGS })]);
  await server.services.users.create({ email: 'ada@example.test', password: PASSWORD, name: 'Ada Lovelace', email_verified: true });
});
afterAll(async () => {
  await browser?.close();
  await Promise.all(apps.map((a) => new Promise((r) => a.http.close(r))));
  await server?.close();
});

function watch(page: Page) {
  const problems: string[] = [];
  const visited: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico')) problems.push(`${m.location().url}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('framenavigated', (f) => {
    if (f === page.mainFrame()) visited.push(f.url());
  });
  return { problems, visited };
}

test('sign in at one SP; a second SP gets in without a prompt; without JavaScript the Continue button posts the response', async () => {
  const [hr, wiki] = [await startApp('HR'), await startApp('Wiki')];
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 900, height: 800 } });
  const page = await context.newPage();
  const seen = watch(page);

  await page.goto(`${hr.base}/login`);
  expect(page.url()).toContain(`${server.url}/interaction/`);
  expect(await page.locator('.lead').innerText()).toContain('HR'); // the SP's display name, from its internal client
  await page.screenshot({ path: path.join(SHOTS, 'saml-01-sign-in-email.png'), fullPage: true });
  await page.fill('input[name=email]', 'ada@example.test');
  await Promise.all([page.waitForNavigation(), page.locator('form[action$="/identify"] button[type=submit]').click()]);
  await page.fill('input[name=password]', PASSWORD);
  await page.screenshot({ path: path.join(SHOTS, 'saml-02-sign-in-password.png'), fullPage: true });
  await Promise.all([page.waitForURL(`${hr.base}/acs`), page.locator('form[action$="/password"] button[type=submit]').click()]);
  expect(await page.locator('h1').innerText()).toBe('Signed in to HR');
  expect(await page.locator('#who').innerText()).toBe('ada@example.test');
  await page.screenshot({ path: path.join(SHOTS, 'saml-03-hr-signed-in.png'), fullPage: true });

  const before = seen.visited.length;
  await page.goto(`${wiki.base}/login`);
  await page.waitForURL(`${wiki.base}/acs`);
  expect(await page.locator('h1').innerText()).toBe('Signed in to Wiki');
  expect(await page.locator('#who').innerText()).toBe('ada@example.test');
  const path2 = seen.visited.slice(before);
  expect(path2.some((u) => u.includes('/interaction/'))).toBe(false); // no prompt on the way
  expect(path2.some((u) => u.startsWith(`${server.url}/saml/callback`))).toBe(true); // through Wayfinder's auto-posting page
  await page.screenshot({ path: path.join(SHOTS, 'saml-04-wiki-signed-in-without-prompt.png'), fullPage: true });
  expect(seen.problems).toEqual([]);

  // The same session in a browser without JavaScript: the page waits for a click on Continue.
  const noJs = await browser.newContext({
    locale: 'en-US',
    javaScriptEnabled: false,
    viewport: { width: 900, height: 800 },
    storageState: await context.storageState(),
  });
  const still = await noJs.newPage();
  await still.goto(`${wiki.base}/login`);
  expect(still.url()).toContain(`${server.url}/saml/callback`);
  expect(await still.locator('h1').innerText()).toBe('Signing you in');
  expect(await still.locator('.lead').innerText()).toBe('Taking you back to Wiki…');
  await still.screenshot({ path: path.join(SHOTS, 'saml-05-continue-without-javascript.png'), fullPage: true });
  await Promise.all([still.waitForURL(`${wiki.base}/acs`), still.locator('form#saml-post button[type=submit]').click()]);
  expect(await still.locator('h1').innerText()).toBe('Signed in to Wiki');
  await noJs.close();
  await context.close();
});

test('My account lists the SAML apps that can be opened from it; an IdP-initiated one opens signed in', async () => {
  // An IdP-initiated response answers no request: the SP accepts it without InResponseTo.
  const payroll = await startApp('Payroll', () => ({ allow_idp_initiated: true }), { validateInResponseTo: 'ifPresent' });
  const docs = await startApp('Docs', (base) => ({ launch_url: `${base}/login` }));
  await startApp('Hidden'); // neither IdP-initiated nor a launch URL: nothing to open it with
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 900, height: 900 } });
  const page = await context.newPage();
  const seen = watch(page);

  await page.goto(`${server.url}/account`);
  await page.fill('input[name=email]', 'ada@example.test');
  await Promise.all([page.waitForNavigation(), page.locator('form[action$="/identify"] button[type=submit]').click()]);
  await page.fill('input[name=password]', PASSWORD);
  await Promise.all([page.waitForURL(`${server.url}/account`), page.locator('form[action$="/password"] button[type=submit]').click()]);
  expect(await page.locator('ul.apps .app-name').allInnerTexts()).toEqual(['Docs', 'Payroll']);
  expect(await page.locator('ul.apps a.app-open').nth(0).getAttribute('href')).toBe(`${docs.base}/login`);
  await page.screenshot({ path: path.join(SHOTS, 'saml-06-my-account-apps-en.png'), fullPage: true });
  await page.goto(`${server.url}/account?lang=fr`);
  expect(await page.locator('h2#apps-title').innerText()).toBe('Vos applications');
  await page.screenshot({ path: path.join(SHOTS, 'saml-07-my-account-apps-fr.png'), fullPage: true });

  await Promise.all([
    page.waitForURL(`${payroll.base}/acs`),
    page.locator('ul.apps li.app', { hasText: 'Payroll' }).locator('a.app-open').click(),
  ]);
  expect(await page.locator('h1').innerText()).toBe('Signed in to Payroll');
  expect(await page.locator('#who').innerText()).toBe('ada@example.test');
  expect(seen.problems).toEqual([]);
  await context.close();
});
