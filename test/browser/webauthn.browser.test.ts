/**
 * Passkeys and security keys in a real browser: Debian's headless Chromium (playwright-core, no browser
 * download) with Chromium's virtual authenticator, driven over the DevTools protocol. The issuer is
 * http://localhost:<port> (a secure context whose host name is a valid RP ID; Chromium refuses an IP).
 * Registers a passkey from My account, signs in with it as a second factor (amr hwk, acr mfa), signs in
 * without a password (amr hwk + user, no pwd), registers one inside a sign-in that requires two-step
 * verification, refuses a cloned key (its signature counter went back), and shows what to do with
 * JavaScript off. No page may log a console error. Screenshots: test-artifacts/screenshots/webauthn-*.png.
 */
import { mkdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type CDPSession, type Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { discover, oidc } from '../helpers/rp.js';
import { setTwoStepPolicy } from '../../src/factors/admin.js';

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
const PASSWORD = 'passkey person password 2026';

let server: TestServer;
let browser: Browser;
let app: http.Server;
let REDIRECT_URI: string;
let shot = 0;

interface VirtualCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId: string;
  privateKey: string;
  userHandle: string;
  signCount: number;
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  app = http.createServer((_req, res) =>
    res
      .writeHead(200, { 'content-type': 'text/html' })
      .end('<!doctype html><html lang="en"><title>App</title><h1>Back at the app</h1></html>'),
  );
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  REDIRECT_URI = `http://127.0.0.1:${(app.address() as AddressInfo).port}/cb`;
  [server, browser] = await Promise.all([
    startTestServer({}, { issuerHost: 'localhost' }),
    chromium.launch({ executablePath: CHROMIUM, args: ARGS }),
  ]);
  await server.services.clients.upsert({
    client_id: 'app',
    client_secret: 'app-secret-value',
    client_name: 'Keyed App',
    redirect_uris: [REDIRECT_URI],
    first_party: true,
  });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await new Promise((r) => app?.close(r));
});

/** A fresh browser profile with a virtual platform authenticator (user verification on), optionally holding `credential`. */
async function openTab(opts: { credential?: VirtualCredential; javaScriptEnabled?: boolean } = {}) {
  const context: BrowserContext = await browser.newContext({
    locale: 'en-US',
    javaScriptEnabled: opts.javaScriptEnabled ?? true,
    viewport: { width: 900, height: 800 },
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    const favicon = new URL(m.location().url || server.url).pathname === '/favicon.ico'; // known gap: no page declares an icon
    if (m.type() === 'error' && !favicon) problems.push(`${m.location().url}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  const cdp: CDPSession = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
  });
  if (opts.credential) await cdp.send('WebAuthn.addCredential', { authenticatorId, credential: opts.credential });
  const credentials = async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials as VirtualCredential[];
  return { context, page, problems, credentials };
}

async function screenshot(page: Page, name: string) {
  shot += 1;
  await page.screenshot({ path: path.join(SHOTS, `webauthn-${String(shot).padStart(2, '0')}-${name}.png`), fullPage: true });
}

const click = async (page: Page, selector: string) => {
  await Promise.all([page.waitForNavigation(), page.locator(selector).first().click()]);
};
const heading = async (page: Page) => (await page.locator('h1').innerText()).trim();

async function person(email: string) {
  return server.services.users.create({ email, password: PASSWORD, email_verified: true });
}

async function passwordSteps(page: Page, email: string) {
  await page.fill('input[name=email]', email);
  await click(page, 'form[action$="/identify"] button[type=submit]');
  await page.fill('input[name=password]', PASSWORD);
  await click(page, 'form[action$="/password"] button[type=submit]');
}

/** Starts an authorization request of the app in `page`; `finish` redeems the code the app got. */
async function startApp(page: Page) {
  const config = await discover(server.url, 'app', 'app-secret-value');
  const verifier = oidc.randomPKCECodeVerifier();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  await page.goto(url.toString());
  return async () => {
    expect(page.url().startsWith(REDIRECT_URI)).toBe(true);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(page.url()), {
      pkceCodeVerifier: verifier,
      idTokenExpected: true,
      expectedState: oidc.skipStateCheck,
    });
    return tokens.claims()!;
  };
}

const storedKey = async (userId: string) => (await server.features.factorStore.factorsOf(userId)).find((f) => f.kind === 'webauthn')!;

test('a passkey registered in My account works as a second factor and for passwordless sign-in; a cloned key is refused', async () => {
  const user = await person('kim@keys.test');
  const first = await openTab();
  await first.page.goto(`${server.url}/account`);
  expect(await first.page.locator('button[data-webauthn-start]').isVisible()).toBe(true); // email page: passkey button shown with JS
  await passwordSteps(first.page, user.email);
  expect(await heading(first.page)).toBe('My account');
  await click(first.page, 'a[href="/account/factors/webauthn/add"]');
  expect(await heading(first.page)).toBe('Add a passkey or security key');
  await screenshot(first.page, 'enrol-account');
  await first.page.fill('input[name=label]', 'Test laptop');
  await click(first.page, 'button[data-webauthn-start]');
  expect(await heading(first.page)).toBe('Save your recovery codes');
  await screenshot(first.page, 'recovery-codes');

  const [credential] = await first.credentials();
  expect(credential).toMatchObject({ isResidentCredential: true, rpId: 'localhost', userHandle: Buffer.from(user.id).toString('base64') });
  const row = await storedKey(user.id);
  expect(row).toMatchObject({
    label: 'Test laptop',
    data: {
      credentialId: credential.credentialId.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''),
      deviceType: 'singleDevice',
      counter: credential.signCount,
    },
  });
  expect(row.data.transports).toEqual(['internal']);
  expect(String(row.data.publicKey).length).toBeGreaterThan(40);
  expect(first.problems).toEqual([]);
  await first.context.close();

  // Second factor, in another browser holding the same key: password, then the key.
  const second = await openTab({ credential });
  const finishSecond = await startApp(second.page);
  await passwordSteps(second.page, user.email);
  expect(await heading(second.page)).toBe('Use your passkey or security key');
  await screenshot(second.page, 'second-factor');
  await click(second.page, 'button[data-webauthn-start]');
  const claims = await finishSecond();
  expect(claims.amr).toEqual(['pwd', 'hwk', 'mfa']);
  expect(claims.acr).toBe('urn:wayfinder:acr:mfa');
  const afterSecond = Number((await storedKey(user.id)).data.counter);
  expect(afterSecond).toBeGreaterThan(credential.signCount);
  const [advanced] = await second.credentials();
  expect(second.problems).toEqual([]);
  await second.context.close();

  // Passwordless, from the email page.
  const third = await openTab({ credential: advanced });
  const finishThird = await startApp(third.page);
  expect(await heading(third.page)).toBe('Sign in');
  await screenshot(third.page, 'email-page-passkey');
  await click(third.page, 'button[data-webauthn-start]');
  const passwordless = await finishThird();
  expect(passwordless.amr).toEqual(['hwk', 'user', 'mfa']);
  expect(passwordless.acr).toBe('urn:wayfinder:acr:mfa');
  expect(third.problems).toEqual([]);
  await third.context.close();

  // A clone of the key as it was before (its counter went back): refused, audited.
  const clone = await openTab({ credential });
  await startApp(clone.page);
  await click(clone.page, 'button[data-webauthn-start]');
  expect(clone.page.url()).toContain('/passkey');
  expect(await clone.page.locator('.error[role=alert]').first().innerText()).toBe(
    "We couldn't sign you in with that passkey. Try again, or continue with your email address.",
  );
  await screenshot(clone.page, 'clone-refused');
  const events = await server.services.audit.recent({ type: 'login.passkey', userId: user.id });
  expect(events[0]).toMatchObject({ outcome: 'failure', data: { reason: 'counter' } });
  await clone.context.close();
});

test('a sign-in that requires two-step verification registers a passkey in the journey; without JavaScript the page says why', async () => {
  const user = await person('lee@keys.test');
  const orgId = await server.services.orgs.upsert({ id: 'org-keys', slug: 'keys', name: 'Keys Inc' });
  await server.services.orgs.addMember(orgId, user.id, 'member');
  await setTwoStepPolicy(server.features.factorStore, orgId, {
    required: 'all',
    primary_method: 'totp',
    trusted_device_days: 30,
    group_names: [],
  });

  const tab = await openTab();
  const finish = await startApp(tab.page);
  await passwordSteps(tab.page, user.email);
  expect(await heading(tab.page)).toBe('Set up two-step verification');
  await click(tab.page, 'a[href$="/factor?method=webauthn"]'); // "Set up another way instead"
  expect(await heading(tab.page)).toBe('Add a passkey or security key');
  await screenshot(tab.page, 'enrol-sign-in');
  await click(tab.page, 'button[data-webauthn-start]');
  expect(await heading(tab.page)).toBe('Save your recovery codes');
  await click(tab.page, 'form[action$="/factor/continue"] button');
  const claims = await finish();
  expect(claims.amr).toEqual(['pwd', 'hwk', 'mfa']);
  expect(tab.problems).toEqual([]);
  await tab.context.close();

  const noScript = await openTab({ javaScriptEnabled: false });
  await startApp(noScript.page);
  expect(await noScript.page.locator('button[data-webauthn-start]').isVisible()).toBe(false); // nothing to click without JS
  await passwordSteps(noScript.page, user.email);
  expect(await heading(noScript.page)).toBe('Use your passkey or security key');
  expect(await noScript.page.locator('main').innerText()).toContain(
    'Passkeys and security keys need JavaScript, which is turned off in this browser.',
  );
  expect(await noScript.page.locator('button[data-webauthn-start]').isVisible()).toBe(false);
  expect(await noScript.page.locator('a[href$="/factor?method=recovery"]').isVisible()).toBe(true); // another way remains
  await screenshot(noScript.page, 'no-javascript');
  await noScript.context.close();
});
