/**
 * Bad input on the admin API, the admin center and ad hoc support: NUL bytes, oversized values,
 * parallel duplicates and no session get 4xx answers, never a 500 or a second record.
 */
import { PageClient } from '../helpers/browser.js';
import { startWithMail, type Harness } from '../helpers/sign-in.js';
import { setUpAdmin } from '../helpers/admin-api.js';
import { runSupportApp, supportStateFile } from '../helpers/support-app.js';
import { openMyAccount } from '../helpers/sign-in.js';

let h: Harness;
let admin: Awaited<ReturnType<typeof setUpAdmin>>;
let acme: string;

beforeAll(async () => {
  h = await startWithMail();
  admin = await setUpAdmin(h.server);
  acme = await admin.token('acme-admin');
});
afterAll(() => h?.close());

test('admin API: NUL bytes and oversized values are 400, an oversized body 413', async () => {
  expect((await admin.call(acme, 'POST', '/users', { email: 'nul\u0000@acme.test' })).status).toBe(400);
  expect((await admin.call(acme, 'POST', '/scim-tokens', { label: 'a\u0000b' })).status).toBe(400);
  expect((await admin.call(acme, 'GET', `/users?q=${'x'.repeat(5000)}`)).status).toBe(400);
  expect((await admin.call(acme, 'GET', `/users/${'x'.repeat(5000)}`)).status).toBe(404);
  expect((await admin.call(acme, 'GET', '/audit-events?cursor=1%00')).status).toBe(400);
  const big = await admin.call(acme, 'POST', '/scim-tokens', { label: 'x'.repeat(2_000_000) });
  expect([400, 413]).toContain(big.status);
});

test('admin API: parallel invites of one address make one person and no 500 (an invited person may be invited again)', async () => {
  const results = await Promise.all(
    Array.from({ length: 6 }, () => admin.call(acme, 'POST', '/users', { email: 'twin@acme.test', name: 'Twin' })),
  );
  const statuses = results.map((r) => r.status).sort();
  expect(statuses.every((s) => s < 500)).toBe(true);
  expect(statuses.filter((s) => s === 201).length).toBeGreaterThanOrEqual(1);
  const people = (await admin.call(acme, 'GET', '/users?q=twin')).body.items as unknown[];
  expect(people).toHaveLength(1);
});

test('admin center and support pages without a session: GET goes to sign-in, POST is refused (403 without the CSRF cookie)', async () => {
  const anonymous = new PageClient(h.server.url);
  for (const path of ['/admin', '/admin/people', '/admin/scim', '/admin/audit', '/account/support']) {
    const at = await anonymous.get(path);
    expect([path, at.includes('/interaction/')]).toEqual([path, true]);
  }
  for (const path of ['/admin/scim/tokens', '/account/support/sessions']) {
    const res = await anonymous.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    expect([path, res.status]).toEqual([path, 403]); // no CSRF cookie: refused before anything else
  }
});

test('support: parallel activations of one code give one session; NUL bytes and unsigned status calls are refused', async () => {
  const s = h.server.services;
  const org = await s.orgs.upsert({ id: 'org-race', slug: 'race', name: 'Race' });
  const tech = await s.users.create({ email: 'tech@race.test', password: 'correct horse battery staple', email_verified: true });
  await s.orgs.addMember(org, tech.id, 'support');
  const page = new PageClient(h.server.url);
  await openMyAccount(page, 'tech@race.test');
  await page.get('/account/support');
  await page.post('/account/support/sessions', { email: 'c@race.test', password: 'a session secret' });
  const code = /id="security-code"[^>]*>([A-Z0-9-]+)</.exec(page.last.body)![1];
  const runs = await Promise.all(
    Array.from({ length: 5 }, () => runSupportApp(['activate', code, '--server', h.server.url, '--state', supportStateFile()])),
  );
  expect(runs.map((r) => r.code).sort()).toEqual([0, 1, 1, 1, 1]);
  expect(runs.filter((r) => r.code === 1).every((r) => r.stdout.includes('already been used'))).toBe(true);

  const post = (body: string) =>
    fetch(`${h.server.url}/api/support/activate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  expect((await post(JSON.stringify({ code: 'BBBB\u0000CCCC', key: {}, timestamp: 1, signature: 'x' }))).status).toBe(400);
  expect((await post('{"code": ')).status).toBe(400);
  const sessionId = (
    await h.server.testDb.database.db.selectFrom('support_sessions').select('id').where('status', '=', 'active').executeTakeFirstOrThrow()
  ).id;
  expect((await fetch(`${h.server.url}/api/support/sessions/${sessionId}`)).status).toBe(401);
});
