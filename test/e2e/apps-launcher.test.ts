/**
 * The launcher end to end: apps declared in a bootstrap file with who may use them, each person sees
 * only their apps on My account (and the apps of their organization they could ask for), an OIDC app
 * opens by third-party initiated login (initiate_login_uri with iss), a SAML app by IdP-initiated
 * sign-in (an assertion is posted), a person who may not use an app gets a 403 at launch and no code
 * or assertion at sign-in (also with a session), and uploaded icons are served with their type.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyBootstrap } from '../../src/bootstrap/apply.js';
import { PageClient, signInWithPassword } from '../helpers/browser.js';
import { addSp, postedForm, type TestSp } from '../helpers/saml-sp.js';
import { authorize, enterCredentials, openMyAccount, PASSWORD, pageText, startWithMail, type Harness } from '../helpers/sign-in.js';
import { discover, REDIRECT_URI } from '../helpers/rp.js';

let h: Harness;
let sp: TestSp;
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
const cli = { who: 'cli', operator: true };

const client = (id: string, extra: string) => `  - client_id: ${id}
    client_secret: ${id}-secret-0123456789-0123456789-abc
    client_name: ${id[0].toUpperCase()}${id.slice(1)}
    redirect_uris: [${REDIRECT_URI}]
${extra}`;

beforeAll(async () => {
  h = await startWithMail();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wf-apps-'));
  const file = path.join(dir, 'bootstrap.yaml');
  const user = (email: string) => `  - { email: ${email}, password: "${PASSWORD}", name: ${email.split('@')[0]} }\n`;
  writeFileSync(
    file,
    `users:
${user('ada@acme.test')}${user('bea@acme.test')}${user('gus@globex.test')}organizations:
  - slug: acme
    name: Acme
    members: [{ email: ada@acme.test }, { email: bea@acme.test }]
    groups: [{ name: eng, members: [ada@acme.test] }]
  - slug: globex
    name: Globex
    members: [{ email: gus@globex.test }]
clients:
${client('wiki', '    initiate_login_uri: https://wiki.example.test/login\n    logo_uri: https://wiki.example.test/logo.png\n    "client_name#fr": Le Wiki\n')}${client(
      'crm',
      '    initiate_login_uri: https://crm.example.test/start\n    target_link_uri: https://crm.example.test/home\n    access: { organizations: [acme] }\n',
    )}${client('build', '    initiate_login_uri: https://build.example.test/login\n    trial_uri: https://build.example.test/trial\n    access: { groups: [acme/eng] }\n')}${client(
      'ledger',
      '    initiate_login_uri: https://ledger.example.test/login\n    trial_uri: https://ledger.example.test/trial\n    access: { organizations: [globex] }\n',
    )}`,
  );
  await applyBootstrap(h.server.services, file);
  sp = await addSp(h.server, 'payroll', {
    settings: { allow_idp_initiated: true, display_name: 'Payroll' },
    config: { validateInResponseTo: 'ifPresent' as never },
  });
  await h.server.services.appAdmin.setAccess(undefined, cli, `saml-${sp.id}`, { everyone: false, organizations: [], groups: ['eng'] });
});
afterAll(() => h?.close());

const userId = async (email: string) => (await h.server.services.accounts.findUserByEmail(email))!.id;
const names = (cards: Array<{ name: string }>) => cards.map((c) => c.name);

test('each person sees the apps they may use, sorted, and the ones of their organization they could ask for', async () => {
  const { launcher } = h.server.services;
  const ada = await launcher.forPerson(await userId('ada@acme.test'), 'en');
  expect(names(ada.apps)).toEqual(['Build', 'Crm', 'Payroll', 'Wiki']);
  expect(ada.requestable).toEqual([]);
  const bea = await launcher.forPerson(await userId('bea@acme.test'), 'en');
  expect(names(bea.apps)).toEqual(['Crm', 'Wiki']);
  // Build is for acme's eng group and has a trial URL; Payroll (eng too) has none; Ledger is globex's.
  expect(bea.requestable).toEqual([
    {
      id: 'oidc-build',
      kind: 'oidc',
      name: 'Build',
      iconUrl: null,
      launchUrl: '/apps/oidc-build/launch',
      trialUrl: 'https://build.example.test/trial',
    },
  ]);
  const gus = await launcher.forPerson(await userId('gus@globex.test'), 'fr');
  expect(names(gus.apps)).toEqual(['Le Wiki', 'Ledger']);
  expect(gus.apps[0]).toMatchObject({ iconUrl: 'https://wiki.example.test/logo.png', launchUrl: '/apps/oidc-wiki/launch' });
  expect(ada.apps.find((a) => a.name === 'Payroll')?.launchUrl).toBe(`/saml/launch/${sp.id}`);
  expect(await launcher.mayUse(await userId('gus@globex.test'), 'oidc', 'crm')).toBe(false);
  expect(await launcher.mayUse(await userId('gus@globex.test'), 'oidc', 'wayfinder-account')).toBe(true);
});

test('My account lists the apps with Open, and Request access for the ones of the organization', async () => {
  const page = new PageClient(h.server.url);
  await openMyAccount(page, 'bea@acme.test');
  const text = pageText(page.last.body);
  expect(text).toContain('Your apps');
  expect(page.last.body).toContain('href="/apps/oidc-crm/launch"');
  expect(page.last.body).toContain('href="https://build.example.test/trial"');
  expect(text).toContain('Request access');
  expect(page.last.body).not.toContain('Ledger');
  expect(page.last.body).not.toContain(`/saml/launch/${sp.id}`);
});

test('an OIDC app opens by third-party initiated login: initiate_login_uri with iss and target_link_uri', async () => {
  const page = new PageClient(h.server.url);
  // Signed out: sign-in first, then back to the launch.
  const landed = await page.get('/apps/oidc-crm/launch');
  expect(landed).toContain('/interaction/');
  const end = await signInWithPassword(page, landed, 'bea@acme.test', PASSWORD);
  const url = new URL(end);
  expect(url.origin + url.pathname).toBe('https://crm.example.test/start');
  expect(url.searchParams.get('iss')).toBe(h.server.url);
  expect(url.searchParams.get('target_link_uri')).toBe('https://crm.example.test/home');
  // Signed in: straight to the app.
  const again = new URL(await page.get('/apps/oidc-wiki/launch'));
  expect(again.origin + again.pathname).toBe('https://wiki.example.test/login');
  expect(again.searchParams.get('iss')).toBe(h.server.url);
});

test('a person who may not use the app: 403 at launch, no code at sign-in (with or without a session)', async () => {
  const page = new PageClient(h.server.url);
  await openMyAccount(page, 'gus@globex.test');
  await page.get('/apps/oidc-crm/launch');
  expect(page.last.status).toBe(403);
  expect(pageText(page.last.body)).toContain('Your account may not use this app.');

  const crm = await discover(h.server.url, 'crm', 'crm-secret-0123456789-0123456789-abc');
  // The session from My account is not reused for an app the person may not use: the app gets access_denied, no code.
  const a = await authorize(crm, page);
  const back = new URL(a.url);
  expect(back.origin + back.pathname).toBe(REDIRECT_URI);
  expect(back.searchParams.get('error')).toBe('access_denied');
  expect(back.searchParams.get('code')).toBeNull();

  // Signing in afresh: the gate refuses with its reason, translated.
  const fresh = new PageClient(h.server.url, { 'accept-language': 'fr' });
  const b = await authorize(crm, fresh);
  await enterCredentials(fresh, b, 'gus@globex.test', PASSWORD);
  expect(fresh.last.status).toBe(403);
  expect(pageText(fresh.last.body)).toContain('Votre compte ne peut pas utiliser cette application.');
  const [denied] = await h.server.services.audit.recent({ type: 'login.denied' });
  expect(denied).toMatchObject({ client_id: 'crm' });
  expect(denied.data).toMatchObject({ reason: 'login.app_not_allowed' });
});

test('a SAML app opens by IdP-initiated sign-in (an assertion is posted); someone outside its group gets none', async () => {
  const page = new PageClient(h.server.url);
  const landed = await page.get(`/saml/launch/${sp.id}`);
  await signInWithPassword(page, landed, 'ada@acme.test', PASSWORD);
  const { action, fields } = postedForm(page);
  expect(action).toBe(sp.acsUrl);
  const { profile } = await sp.saml.validatePostResponseAsync({ SAMLResponse: fields.SAMLResponse });
  expect(profile!.email).toBe('ada@acme.test');

  const other = new PageClient(h.server.url);
  await signInWithPassword(other, await other.get(`/saml/launch/${sp.id}`), 'bea@acme.test', PASSWORD);
  expect(other.last.status).toBe(403);
  expect(other.last.body).not.toContain('SAMLResponse');
  expect(pageText(other.last.body)).toContain('Your account may not use this app.');
});

test('an uploaded icon is served with its type, nosniff and an etag; SVG and oversized files are refused', async () => {
  const { appAdmin, launcher } = h.server.services;
  const view = await appAdmin.setIcon(undefined, cli, 'oidc-build', PNG);
  expect(view.uploaded_icon).toBe(true);
  const card = (await launcher.forPerson(await userId('ada@acme.test'), 'en')).apps.find((a) => a.id === 'oidc-build')!;
  expect(card.iconUrl).toMatch(/^\/apps\/oidc-build\/icon\?v=/);
  const res = await fetch(`${h.server.url}${card.iconUrl}`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('image/png');
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('cache-control')).toContain('immutable');
  expect(Buffer.from(await res.arrayBuffer()).equals(PNG)).toBe(true);
  const etag = res.headers.get('etag')!;
  expect((await fetch(`${h.server.url}${card.iconUrl}`, { headers: { 'if-none-match': etag } })).status).toBe(304);

  const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
  await expect(appAdmin.setIcon(undefined, cli, 'oidc-build', svg)).rejects.toMatchObject({ status: 400, code: 'bad_icon' });
  const big = Buffer.concat([PNG, Buffer.alloc(300 * 1024)]);
  await expect(appAdmin.setIcon(undefined, cli, 'oidc-build', big)).rejects.toMatchObject({ status: 400, code: 'bad_icon' });
  expect((await fetch(`${h.server.url}/apps/oidc-wiki/icon`)).status).toBe(404);
  expect((await fetch(`${h.server.url}/apps/..%2F..%2Fetc/icon`)).status).toBe(404);
});

test('launcher URLs must be https (http only on localhost): javascript: and plain http are refused in the bootstrap file', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wf-apps-bad-'));
  for (const bad of ['javascript:alert(1)', 'http://evil.example/x', 'data:text/html,x']) {
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(file, `clients:\n${client('bad', `    trial_uri: "${bad}"\n`)}`);
    await expect(applyBootstrap(h.server.services, file)).rejects.toThrow(/clients\[0\]\.trial_uri: must be an https URL/);
  }
});

test('the lost page (GET /, 200) lists the signed-in person’s apps by client_name, and the ones they could ask for', async () => {
  const page = new PageClient(h.server.url);
  await openMyAccount(page, 'bea@acme.test');
  await page.get('/');
  expect(page.last.status).toBe(200);
  expect(page.title()).toBe("You're not lost — we're lost");
  const text = pageText(page.last.body);
  for (const name of ['Crm', 'Wiki']) expect(text).toContain(name);
  expect(page.last.body).toContain('href="/apps/oidc-wiki/launch"');
  // Build: acme's eng group only, with a trial URL: offered as a request, not as an app to open.
  expect(page.last.body).not.toContain('href="/apps/oidc-build/launch"');
  expect(page.last.body).toContain('href="https://build.example.test/trial"');
  for (const hidden of ['Ledger', 'Payroll']) expect(text).not.toContain(hidden);
});

test('Back after signing in to an app that registered initiate_login_uri goes to the app’s own start (with iss)', async () => {
  const wiki = await discover(h.server.url, 'wiki', 'wiki-secret-0123456789-0123456789-abc');
  const page = new PageClient(h.server.url);
  const a = await authorize(wiki, page);
  let back = await enterCredentials(page, a, 'gus@globex.test', PASSWORD);
  // A third-party app: its consent page first.
  const consentUid = /\/interaction\/([^/?#]+)/.exec(back)?.[1];
  if (consentUid && page.last.body.includes('name="decision"'))
    back = await page.post(`/interaction/${consentUid}/consent`, { decision: 'allow' });
  expect(back.startsWith(REDIRECT_URI)).toBe(true);
  const again = new URL(await page.get(`/interaction/${a.uid}`));
  expect(`${again.origin}${again.pathname}`).toBe('https://wiki.example.test/login');
  expect(again.searchParams.get('iss')).toBe(h.server.url);
});
