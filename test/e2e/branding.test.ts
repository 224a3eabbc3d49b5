/**
 * Branding per deployment, organization and app (src/branding): set in the bootstrap file and the
 * admin API, applied to pages (title, theme colors, logo, favicon, privacy and terms links) and mails,
 * app > organization > deployment; colors below WCAG AA refused with a translated reason; uploads
 * recognised by their bytes (PNG/JPEG/WebP only), size-capped, served with nosniff; page views read
 * the brand from memory (a row changed behind the cache's back is not seen until it expires).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { applyBootstrap } from '../../src/bootstrap/apply.js';
import { buildEmail } from '../../src/notify/emails.js';
import { contrast, contrastProblem, imageType } from '../../src/branding/brand.js';
import { PageClient } from '../helpers/browser.js';
import { addApp, authorize, openMyAccount, startWithMail, PASSWORD, type Harness } from '../helpers/sign-in.js';
import { setUpAdmin } from '../helpers/admin-api.js';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

let h: Harness;
let dir: string;
let admin: Awaited<ReturnType<typeof setUpAdmin>>;

function bootstrapFile(name: string, text: string) {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

beforeAll(async () => {
  h = await startWithMail();
  admin = await setUpAdmin(h.server);
  dir = mkdtempSync(path.join(os.tmpdir(), 'wf-branding-'));
  writeFileSync(path.join(dir, 'logo.png'), PNG);
  await applyBootstrap(
    h.server.services,
    bootstrapFile(
      'brand.yaml',
      `branding:
  product_name: Northwind ID
  primary_color: "#0B5394"
  logo_file: logo.png
  privacy_url: https://northwind.example/privacy
  terms_url: https://northwind.example/terms
users:
  - { email: cara@brand-org.test, password: "${PASSWORD}" }
organizations:
  - slug: brand-org
    name: Brand Org
    members: [{ email: cara@brand-org.test }]
    branding: { product_name: Brand Org Sign-in, primary_color: "#7a1f5c" }
clients:
  - client_id: shop-app
    client_secret: shop-app-secret-0123456789abcdef
    redirect_uris: [http://127.0.0.1:1/cb]
    branding: { product_name: Shop, primary_color: "#225522", favicon_url: https://cdn.shop.example/favicon.png }
`,
    ),
  );
});
afterAll(() => h?.close());

test('WCAG contrast: known ratios, and the two checks (white button text, page background)', () => {
  expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 5);
  expect(contrast('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
  expect(contrastProblem('#1f5fd1')).toBeUndefined();
  expect(contrastProblem('#ffcc00')).toMatchObject({ key: 'branding.contrast_text', against: '#ffffff' });
  // Passes against white, fails against a mid-grey background.
  expect(contrastProblem('#1f5fd1', '#9a9a9a')).toMatchObject({ key: 'branding.contrast_background', against: '#9a9a9a' });
  expect([imageType(PNG), imageType(GIF), imageType(Buffer.from('<svg'))]).toEqual(['image/png', undefined, undefined]);
});

test('pages wear the deployment brand, the app brand over it, and the organization brand in My account', async () => {
  const plain = await addApp(h.server, 'plain-app');
  const page = new PageClient(h.server.url);
  await authorize(plain, page);
  let html = page.last.body;
  expect(html).toMatch(/<title>[^<]* · Northwind ID<\/title>/);
  expect(html).toContain('href="/branding/theme.css?c=0b5394&amp;b=f4f6f8"');
  expect(html).toContain('href="https://northwind.example/privacy"');
  expect(html).toContain('href="https://northwind.example/terms"');
  const logo = /<img class="brand-logo" src="([^"]+)" alt="Northwind ID">/.exec(html)?.[1];
  expect(logo).toMatch(/^\/branding\/deployment\/-\/logo\?v=\d+$/);
  const img = await fetch(`${h.server.url}${logo!.replace(/&amp;/g, '&')}`);
  expect([img.status, img.headers.get('content-type'), img.headers.get('x-content-type-options')]).toEqual([200, 'image/png', 'nosniff']);
  expect(Buffer.from(await img.arrayBuffer()).equals(PNG)).toBe(true);
  const css = await (await fetch(`${h.server.url}/branding/theme.css?c=0b5394&b=f4f6f8`)).text();
  expect(css).toContain('--accent: #0b5394');
  expect((await fetch(`${h.server.url}/branding/theme.css?c=red;}body{x`)).ok).toBe(true);
  expect(await (await fetch(`${h.server.url}/branding/theme.css?c=red;}body{x`)).text()).not.toContain('red');

  const shop = await addApp(h.server, 'shop-app');
  const shopPage = new PageClient(h.server.url);
  await authorize(shop, shopPage);
  html = shopPage.last.body;
  expect(html).toMatch(/<title>[^<]* · Shop<\/title>/);
  expect(html).toContain('c=225522');
  expect(html).toContain('<link rel="icon" href="https://cdn.shop.example/favicon.png">');
  // The app keeps what it does not set: the deployment's logo and links.
  expect(html).toContain('alt="Shop"');
  expect(html).toContain('https://northwind.example/terms');
  // The external favicon is allowed for this page only.
  expect(shopPage.last.headers.get('content-security-policy')).toContain("img-src 'self' data: https://cdn.shop.example");

  // oidc-provider's own pages (here: the error page of a bad redirect address) wear the app's brand too.
  await shopPage.get(
    `/auth?client_id=shop-app&response_type=code&scope=openid&redirect_uri=${encodeURIComponent('https://wrong.example/cb')}`,
  );
  expect([shopPage.last.status, /<title>[^<]*<\/title>/.exec(shopPage.last.body)?.[0]]).toEqual([400, expect.stringContaining(' · Shop<')]);

  const me = new PageClient(h.server.url);
  await openMyAccount(me, 'cara@brand-org.test');
  await me.get('/account');
  expect(me.last.body).toMatch(/<title>[^<]* · Brand Org Sign-in<\/title>/);
  expect(me.last.body).toContain('c=7a1f5c');
});

test("mails wear the recipient's organization brand: logo, name and color in HTML, the name in text", async () => {
  const mail = buildEmail('password_changed', 'en', 'cara@brand-org.test', { name: 'Cara' });
  await h.server.features.mailer.send(mail);
  const got = await h.sink.waitFor('cara@brand-org.test', /password/i);
  expect(got.html).toContain('Brand Org Sign-in');
  expect(got.html).toMatch(/<img src="http:\/\/[^"]+\/branding\/deployment\/-\/logo\?v=\d+" alt="Brand Org Sign-in"/);
  expect(got.text).toContain('— Brand Org Sign-in');
  expect(got.text).toContain('Brand Org Sign-in account');
  expect(got.text).not.toContain('Wayfinder');
  // Someone of no organization: the deployment's brand.
  await h.server.features.mailer.send(buildEmail('password_changed', 'en', 'nobody@else.test', { name: 'N' }));
  const other = await h.sink.waitFor('nobody@else.test', /password/i);
  expect(other.text).toContain('— Northwind ID');
  const button = /<a href="[^"]*" style="[^"]*background:(#[0-9a-f]{6})/.exec(
    buildEmail('reset_password', 'en', 'x@y.test', { link: 'https://x', minutes: 60 }).rebrand!(
      h.server.services.branding.resolve({ orgId: await admin.orgId('brand-org') }),
      '',
    ).html,
  );
  expect(button?.[1]).toBe('#7a1f5c');
});

test('a mail sent during a sign-in wears the app’s brand (an email code at Shop)', async () => {
  const email = 'dora@nowhere.test';
  const dora = await h.server.services.users.create({ email, password: PASSWORD, name: 'Dora', email_verified: true });
  await h.server.features.factorStore.insertFactor({ user_id: dora.id, kind: 'email', label: email, confirmed: true });
  const shop = await addApp(h.server, 'shop-app');
  const page = new PageClient(h.server.url);
  const a = await authorize(shop, page);
  await page.post(`/interaction/${a.uid}/identify`, { email });
  await page.post(`/interaction/${a.uid}/password`, { password: PASSWORD });
  const mail = await h.sink.waitFor(email, /code/i);
  expect(mail.subject).toMatch(/^Your Shop code: \d{6}$/);
  expect(mail.text).toContain('— Shop');
});

test('the admin API sets the branding: low contrast refused with the reason in the caller’s language, uploads checked by their bytes', async () => {
  const acme = await admin.token('acme-admin');
  const low = await admin.call(acme, 'PUT', '/branding', { primary_color: '#ffcc00' });
  expect(low.status).toBe(400);
  expect(low.body.error).toBe('branding_refused');
  expect(String(low.body.error_description)).toContain('4.5:1');
  const fr = await fetch(`${h.server.url}/api/admin/v1/branding`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${acme}`, 'content-type': 'application/json', 'accept-language': 'fr' },
    body: JSON.stringify({ primary_color: '#1f5fd1', background_color: '#8a8a8a' }),
  });
  const frBody = (await fr.json()) as { error_description: string };
  expect([fr.status, frBody.error_description]).toEqual([400, expect.stringContaining('fond de page #8a8a8a')]);
  expect((await admin.call(acme, 'PUT', '/branding', { logo_data: GIF.toString('base64') })).body.error).toBe('branding_refused');
  expect((await admin.call(acme, 'PUT', '/branding', { logo_url: 'http://evil.example/x.png' })).status).toBe(400);
  const ok = await admin.call(acme, 'PUT', '/branding', {
    product_name: 'Acme Portal',
    primary_color: '#14532d',
    logo_data: PNG.toString('base64'),
  });
  expect(ok.status).toBe(200);
  expect(ok.body).toMatchObject({
    product_name: 'Acme Portal',
    primary_color: '#14532d',
    logo: expect.stringMatching(/^\/branding\/org\//),
  });
  expect((await admin.call(acme, 'GET', '/branding')).body.product_name).toBe('Acme Portal');
  // Globex sees its own (empty) branding, none of acme's.
  const globex = await admin.call(await admin.token('globex-admin'), 'GET', '/branding');
  expect([globex.status, globex.text.includes('Acme Portal')]).toEqual([200, false]);
});

test('the admin center refuses branding changes without a fresh second factor (403, said in the language), form and upload alike', async () => {
  const page = new PageClient(h.server.url);
  await openMyAccount(page, 'ann@acme.test');
  await page.get('/account?lang=de');
  const csrf = page.csrf();
  await page.post('/admin/branding?org=acme', { product_name: 'Sneaky', primary_color: '#14532d' });
  expect(page.last.status).toBe(403);
  expect(page.last.body).toContain('Bestätigen Sie sich erneut');
  const upload = new FormData();
  upload.set('csrf', csrf);
  upload.set('kind', 'logo');
  upload.set('file', new Blob([PNG], { type: 'image/png' }), 'logo.png');
  const res = await page.request('/admin/branding/image?org=acme', { method: 'POST', body: upload });
  expect(res.status).toBe(403);
  expect((await admin.call(await admin.token('acme-admin'), 'GET', '/branding')).body.product_name).not.toBe('Sneaky');
});

test('bootstrap refuses a primary color below AA and an image that is not PNG, JPEG or WebP', async () => {
  writeFileSync(path.join(dir, 'logo.gif'), GIF);
  await expect(applyBootstrap(h.server.services, bootstrapFile('low.yaml', 'branding: { primary_color: "#ffcc00" }\n'))).rejects.toThrow(
    /branding: .*#ffcc00.*4\.5:1/,
  );
  await expect(applyBootstrap(h.server.services, bootstrapFile('gif.yaml', 'branding: { logo_file: logo.gif }\n'))).rejects.toThrow(
    /PNG, JPEG or WebP/,
  );
});

test('page views read the brand from memory: a row changed behind the cache is not seen until it expires', async () => {
  const plain = await addApp(h.server, 'plain-app-2');
  const page = new PageClient(h.server.url);
  await authorize(plain, page);
  expect(page.last.body).toContain('Northwind ID');
  await sql`update branding set settings = jsonb_set(settings, '{product_name}', '"Changed Behind"') where scope = 'deployment'`.execute(
    h.server.services.db,
  );
  await authorize(plain, page);
  expect(page.last.body).toContain('Northwind ID');
  expect(page.last.body).not.toContain('Changed Behind');
});
