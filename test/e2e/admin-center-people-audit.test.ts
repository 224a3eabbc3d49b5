/**
 * The admin center's people and audit pages beyond disable/enable (over the same use-cases as the
 * admin API): an invitation from the people page (activation mail over real SMTP, the invited person
 * listed; an address with an account and a malformed address refused with their reason, the form kept);
 * a second-factor reset from the page; a person of two organizations refused with a translated reason;
 * the audit log filtered by person and by days, paged with its filters kept, and exported as CSV and
 * JSON lines with the same selection; a filter naming nobody is a 400 with its reason, never every event.
 */
import { randomUUID } from 'node:crypto';
import { PageClient } from '../helpers/browser.js';
import { setUpAdmin } from '../helpers/admin-api.js';
import { type Harness, newMail, startWithMail, throughAdminStepUp } from '../helpers/sign-in.js';

let h: Harness;
let admin: Awaited<ReturnType<typeof setUpAdmin>>;
let ann: PageClient;

beforeAll(async () => {
  h = await startWithMail();
  admin = await setUpAdmin(h.server);
  ann = new PageClient(h.server.url);
  await throughAdminStepUp(ann, 'ann@acme.test', '/admin/people?org=acme');
});
afterAll(() => h?.close());

const action = (body: string, pattern: RegExp) => pattern.exec(body)![1].replace(/&amp;/g, '&');

test('people: invite from the page (activation mail), refusals keep the form and say why', async () => {
  expect(ann.last.url).toBe(`${h.server.url}/admin/people?org=acme`);
  expect(ann.last.body).toContain('action="/admin/people/invite?org=acme"');
  const mail = await newMail(h.sink, 'new.colleague@acme.test', /./, async () => {
    await ann.post('/admin/people/invite?org=acme', { email: ' new.colleague@acme.test ', name: 'New Colleague', role: 'support' });
  });
  expect(ann.last.url).toBe(`${h.server.url}/admin/people?org=acme&done=invited`);
  expect(ann.last.body).toContain('The invitation is sent.');
  expect(ann.last.body).toContain('new.colleague@acme.test');
  expect(ann.last.body).toContain('Support technician');
  expect(mail.text).toContain('Acme');
  expect(mail.text).toMatch(/https?:\/\/\S+/);

  await ann.post('/admin/people/invite?org=acme', { email: 'gil@globex.test', name: '', role: 'member' });
  expect(ann.last.status).toBe(409);
  expect(ann.last.body).toContain('This address already has an account');
  expect(ann.last.body).toContain('value="gil@globex.test"');
  expect(ann.last.body).toMatch(/<details class="invite" open>/);
  await ann.post('/admin/people/invite?org=acme', { email: 'not an address', name: 'X', role: 'member' });
  expect(ann.last.status).toBe(400);
  expect(ann.last.body).toContain('Enter an email address such as name@example.com.');
  await ann.post('/admin/people/invite?org=acme', { email: 'ok@acme.test', name: 'X', role: 'owner' });
  expect(ann.last.status).toBe(400);
  // Without the page's CSRF value: refused.
  await ann.post('/admin/people/invite?org=acme', { email: 'csrf@acme.test', name: '', role: 'member' }, { csrf: 'wrong' });
  expect(ann.last.status).toBe(403);
  const types = (await admin.call(await admin.token('acme-admin'), 'GET', '/audit-events?type=admin.user_invited')).body.items as unknown[];
  expect(types).toHaveLength(1);
});

test('people: reset second factors from the page; a person of two organizations is refused with the reason', async () => {
  const bobId = await admin.userId('bob@acme.test');
  const db = h.server.testDb.database.db;
  await db
    .insertInto('user_factors')
    .values({
      id: randomUUID(),
      user_id: bobId,
      kind: 'totp',
      label: 'phone',
      secret_enc: null,
      data: JSON.stringify({}),
      confirmed_at: new Date(),
    })
    .execute();
  await ann.get('/admin/people?org=acme');
  await ann.post(action(ann.last.body, new RegExp(`action="(/admin/people/${bobId}/reset-factors[^"]*)"`)), {});
  expect(ann.last.url).toBe(`${h.server.url}/admin/people?org=acme&done=factors_reset`);
  expect(ann.last.body).toContain('Their second factors are removed');
  expect(await db.selectFrom('user_factors').select('id').where('user_id', '=', bobId).execute()).toEqual([]);

  await ann.get('/admin/people?org=acme&lang=fr');
  const both = await admin.userId('both@shared.test');
  await ann.post(`/admin/people/${both}/disable?org=acme`, {});
  expect(ann.last.status).toBe(409);
  expect(ann.last.body).toContain('seul un opérateur peut modifier son compte');
  await ann.get('/admin/people?org=acme&lang=en');
});

test('audit: filter by person and days, pages keep the filters, export the same selection as CSV and JSON lines', async () => {
  const token = await admin.token('acme-admin');
  const bobId = await admin.userId('bob@acme.test');
  // 60 events about Bob today, so the page (50) has a next link.
  for (let i = 0; i < 30; i += 1) {
    await admin.call(token, 'POST', `/users/${bobId}/disable`);
    await admin.call(token, 'POST', `/users/${bobId}/enable`);
  }
  const today = new Date().toISOString().slice(0, 10);
  await ann.get(`/admin/audit?org=acme&person=BOB%40acme.test&from=${today}&to=${today}`);
  expect(ann.last.status).toBe(200);
  const rows = (ann.last.body.match(/<tr><td>/g) ?? []).length;
  expect(rows).toBe(50);
  expect(ann.last.body).not.toContain('admin.user_invited');
  const next = action(ann.last.body, /<a href="(\/admin\/audit\?[^"]*cursor=\d+)"/);
  expect(next).toContain('person=BOB%40acme.test');
  await ann.get(next);
  expect((ann.last.body.match(/<tr><td>/g) ?? []).length).toBeGreaterThanOrEqual(10);
  expect(ann.last.body).not.toContain('admin.user_invited');

  // Yesterday's window holds none of them.
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  await ann.get(`/admin/audit?org=acme&person=bob%40acme.test&from=${yesterday}&to=${yesterday}`);
  expect(ann.last.body).toContain('No events match.');

  const csvLink = action(ann.last.body, /href="(\/admin\/audit\/export\?[^"]*format=csv[^"]*)"/);
  expect(csvLink).toContain(`from=${yesterday}`);
  await ann.get(`/admin/audit/export?org=acme&format=csv&person=bob%40acme.test&from=${today}&to=${today}`);
  expect(ann.last.status).toBe(200);
  expect(ann.last.headers.get('content-type')).toMatch(/^text\/csv/);
  expect(ann.last.headers.get('content-disposition')).toContain('audit-events-acme.csv');
  const lines = ann.last.body.trim().split('\n');
  expect(lines[0]).toBe('id,at,type,outcome,org_id,actor,user_id,client_id,ip,request_id,data');
  expect(lines.length).toBeGreaterThanOrEqual(61);
  expect(lines.slice(1).every((l) => l.includes(bobId))).toBe(true);
  await ann.get(`/admin/audit/export?org=acme&format=jsonl&type=admin.user_disabled&person=bob%40acme.test`);
  const events = ann.last.body
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; user_id: string });
  expect(events.length).toBeGreaterThanOrEqual(30);
  expect(events.every((e) => e.type === 'admin.user_disabled' && e.user_id === bobId)).toBe(true);

  await ann.get('/admin/audit?org=acme&person=gil%40globex.test');
  expect(ann.last.status).toBe(400);
  expect(ann.last.body).toContain('Nobody in your organization has this email address.');
  expect(ann.last.body).not.toContain('<tr><td>');
  await ann.get(`/admin/audit/export?org=acme&format=csv&person=gil%40globex.test`);
  expect(ann.last.status).toBe(400);
  await ann.get(`/admin/audit?org=acme&from=${today}&to=${yesterday}`);
  expect([ann.last.status, ann.last.body.includes('The start date is after the end date.')]).toEqual([400, true]);
  await ann.get('/admin/audit?org=acme&from=2026-13-45');
  expect(ann.last.status).toBe(400);
});
