/**
 * Ad hoc support end to end: a technician starts a session on their page, the customer gets the mail
 * over real SMTP, the reference support app activates with the security code and its own key, the
 * credential works, the pairing lasts 24 hours from activation (clock moved), caps per technician
 * and per organization (also under parallel requests), "End session now" revokes at once (also by an
 * administrator), and every refusal the app can meet has its own sentence.
 */
import { PageClient } from '../helpers/browser.js';
import { runSupportApp, supportStateFile } from '../helpers/support-app.js';
import { PASSWORD, addUser, auditTypes, newMail, openMyAccount, startWithMail, uniqueEmail, type Harness } from '../helpers/sign-in.js';

let h: Harness;
let orgId: string;
const techs: Array<{ email: string; page: PageClient }> = [];
let admin: PageClient;

beforeAll(async () => {
  h = await startWithMail();
  const s = h.server.services;
  orgId = await s.orgs.upsert({ id: 'org-helpco', slug: 'helpco', name: 'Help Co' });
  for (let i = 0; i < 7; i += 1) {
    const email = uniqueEmail(`tech${i}`);
    const u = await addUser(h.server, email);
    await s.orgs.addMember(orgId, u.id, 'support');
    const page = new PageClient(h.server.url);
    await openMyAccount(page, email, PASSWORD);
    techs.push({ email, page });
  }
  const adminEmail = uniqueEmail('admin');
  const a = await addUser(h.server, adminEmail);
  await s.orgs.addMember(orgId, a.id, 'admin');
  admin = new PageClient(h.server.url);
  await openMyAccount(admin, adminEmail, PASSWORD);
});
afterAll(() => h?.close());
afterEach(() => {
  h.server.features.support.clock.offsetMs = 0;
});

const codeOn = (html: string) => /id="security-code"[^>]*>([A-Z0-9-]+)</.exec(html)?.[1];

async function start(page: PageClient, customer: string) {
  await page.get('/account/support');
  await page.post('/account/support/sessions', { email: customer, password: 'a session secret' });
  return { status: page.last.status, code: codeOn(page.last.body) };
}

/** Ends every open session (the administrator sees them all), one page load per end. */
async function endAll() {
  for (;;) {
    await admin.get('/account/support');
    const end = /action="(\/account\/support\/sessions\/[^"]+\/end)"/.exec(admin.last.body);
    if (!end) return;
    await admin.post(end[1], {});
    if (admin.last.status !== 200) throw new Error(`ending ${end[1]}: ${admin.last.status} ${admin.last.body.slice(0, 300)}`);
  }
}

const server = () => h.server.url;

test('start → mail → activate with the app → credential works → ends 24 hours after activation', async () => {
  const customer = uniqueEmail('customer');
  const tech = techs[0];
  await tech.page.get('/account');
  expect(tech.page.last.body).toContain('href="/account/support"');
  const mail = await newMail(h.sink, customer, /ready to help you/, () => start(tech.page, customer));
  expect(mail.text).toContain(`${server()}/support/download`);
  expect(mail.text).toContain('Help Co');
  const code = codeOn(tech.page.last.body)!;
  expect(code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
  // Shown once: reopening the page does not show it again.
  await tech.page.get('/account/support');
  expect(codeOn(tech.page.last.body)).toBeUndefined();
  expect(tech.page.last.body).toContain(customer);

  const state = supportStateFile();
  const before = Date.now();
  const activated = await runSupportApp(['activate', code.toLowerCase(), '--server', server(), '--state', state]);
  expect(activated).toMatchObject({ code: 0 });
  const endsAt = Date.parse(/active until (\S+)/.exec(activated.stdout)![1]);
  expect(endsAt - before).toBeGreaterThanOrEqual(24 * 3600e3 - 1000);
  expect(endsAt - Date.now()).toBeLessThanOrEqual(24 * 3600e3);
  expect(await runSupportApp(['status', '--state', state])).toMatchObject({ code: 0 });
  // The code is single use.
  const again = await runSupportApp(['activate', code, '--server', server(), '--state', supportStateFile()]);
  expect(again.code).toBe(1);
  expect(again.stdout).toContain('This security code has already been used');
  // Offline or not, the pairing ends 24 hours after activation.
  h.server.features.support.clock.offsetMs = 24 * 3600e3 - 60e3;
  expect((await runSupportApp(['status', '--state', state])).code).toBe(0);
  h.server.features.support.clock.offsetMs = 24 * 3600e3 + 1000;
  const expired = await runSupportApp(['status', '--state', state]);
  expect(expired.code).toBe(1);
  expect(expired.stdout).toContain('This support session has expired. Ask your help desk to start a new one.');
  // An expired session no longer holds the technician's place.
  h.server.features.support.clock.offsetMs = 0;
  expect(
    (await auditTypes(h.server, { type: 'support.session_activated' })).length +
      (await auditTypes(h.server, { type: 'support.session_created' })).length,
  ).toBeGreaterThanOrEqual(2);
  await endAll();
});

test('caps: one open session per technician, five per organization; refusals name the limit and the sessions holding it', async () => {
  const first = await start(techs[0].page, 'first@customer.test');
  expect(first.code).toBeDefined();
  const second = await start(techs[0].page, 'second@customer.test');
  expect(second.status).toBe(409);
  expect(techs[0].page.last.body).toContain('limit: 1 per technician');
  expect(techs[0].page.last.body).toContain('first@customer.test');
  for (let i = 1; i < 5; i += 1) expect((await start(techs[i].page, `c${i}@customer.test`)).code).toBeDefined();
  const sixth = await start(techs[5].page, 'sixth@customer.test');
  expect(sixth.status).toBe(409);
  expect(techs[5].page.last.body).toContain('limit of 5 open ad hoc support sessions');
  for (let i = 0; i < 5; i += 1) expect(techs[5].page.last.body).toContain(i ? `c${i}@customer.test` : 'first@customer.test');
  expect(await auditTypes(h.server, { type: 'support.session_refused' })).toHaveLength(2);
  // The administrator sees all five and ends one; the sixth technician can then start.
  await admin.get('/account/support');
  const ends = [...admin.last.body.matchAll(/action="(\/account\/support\/sessions\/[^"]+\/end)"/g)];
  expect(ends).toHaveLength(5);
  await admin.post(ends[0][1], {});
  expect(admin.last.body).toContain('The support session has ended');
  expect((await start(techs[5].page, 'sixth@customer.test')).code).toBeDefined();
  await endAll();
});

test('parallel starts by one technician: exactly one session (regression for the cap under concurrency)', async () => {
  const tech = techs[6];
  await tech.page.get('/account/support');
  const csrf = tech.page.csrf();
  const results = await Promise.all(
    Array.from({ length: 8 }, (_, i) =>
      tech.page.request('/account/support/sessions', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ csrf, email: `p${i}@customer.test`, password: 'a session secret' }),
      }),
    ),
  );
  expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409, 409, 409, 409]);
  await endAll();
});

test('End session now revokes the app at once; expired, unknown and bad codes get their own answers', async () => {
  const started = await start(techs[1].page, 'ending@customer.test');
  const state = supportStateFile();
  expect((await runSupportApp(['activate', started.code!, '--server', server(), '--state', state])).code).toBe(0);
  await techs[1].page.get('/account/support');
  const end = /action="(\/account\/support\/sessions\/[^"]+\/end)"/.exec(techs[1].page.last.body)![1];
  await techs[1].page.post(end, {});
  const ended = await runSupportApp(['status', '--state', state]);
  expect(ended.code).toBe(1);
  expect(ended.stdout).toContain('This support session was ended by your help desk');

  // A code never activated expires with its hour.
  const late = await start(techs[2].page, 'late@customer.test');
  h.server.features.support.clock.offsetMs = 61 * 60e3;
  const tooLate = await runSupportApp(['activate', late.code!, '--server', server(), '--state', supportStateFile()]);
  expect(tooLate.code).toBe(1);
  expect(tooLate.stdout).toContain('This support session has expired. Ask your help desk to start a new one.');
  h.server.features.support.clock.offsetMs = 0;

  const unknown = await runSupportApp(['activate', 'BBBB-CCCC-DDDD', '--server', server(), '--state', supportStateFile()]);
  expect(unknown.code).toBe(1);
  expect(unknown.stdout).toContain("That security code isn't right");
  expect((await runSupportApp(['status', '--state', supportStateFile()])).code).toBe(1);
  expect((await runSupportApp(['frobnicate'])).code).toBe(2);
  expect(await auditTypes(h.server, { type: 'support.activation_failed' })).not.toHaveLength(0);
  expect(await auditTypes(h.server, { type: 'support.session_ended' })).not.toHaveLength(0);
  await endAll();
}, 60_000);

test('the API refuses bad input and bad signatures with 4xx, never a 500', async () => {
  const post = (body: unknown) =>
    fetch(`${server()}/api/support/activate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  expect((await post({})).status).toBe(400);
  expect(
    (await post({ code: 'BBBB-CCCC-DDDD', key: { kty: 'EC', crv: 'P-256', x: 'a', y: 'b' }, timestamp: Date.now(), signature: 'x' }))
      .status,
  ).toBe(400);
  expect((await post({ code: 'x'.repeat(500), key: {}, timestamp: 1, signature: '' })).status).toBe(400);
  const status = await fetch(`${server()}/api/support/sessions/00000000-0000-0000-0000-000000000000`, {
    headers: { 'x-wayfinder-timestamp': String(Date.now()), 'x-wayfinder-signature': 'A'.repeat(86) },
  });
  expect(status.status).toBe(404);
  expect((await fetch(`${server()}/api/support/sessions/..%2f..%2fetc`)).status).toBe(404);
  // A person without the support or admin role gets a page saying who the feature is for.
  const member = new PageClient(server());
  const email = uniqueEmail('member');
  const u = await addUser(h.server, email);
  await h.server.services.orgs.addMember(orgId, u.id, 'member');
  await openMyAccount(member, email, PASSWORD);
  await member.get('/account/support');
  expect(member.last.status).toBe(403);
  expect(member.last.body).toContain('Ad hoc support is for support technicians and administrators');
});

test("an organization's own cap, set with the CLI command, replaces the default of 5", async () => {
  const { supportCommands } = await import('../../src/cli/commands/support.js');
  const limit = supportCommands.find((c) => c.name === 'support limit')!;
  const lines: string[] = [];
  const ctx = {
    config: h.server.services.config,
    services: h.server.services,
    out: (...l: string[]) => lines.push(...l),
    note: () => {},
    audit: async () => {},
  } as unknown as Parameters<typeof limit.run>[0];
  await limit.run(ctx, { org: 'helpco', max: '2' }, []);
  expect(lines.pop()).toBe('helpco: at most 2 open ad hoc support sessions');
  expect((await start(techs[0].page, 'one@customer.test')).code).toBeDefined();
  expect((await start(techs[1].page, 'two@customer.test')).code).toBeDefined();
  expect((await start(techs[2].page, 'three@customer.test')).status).toBe(409);
  expect(techs[2].page.last.body).toContain('limit of 2 open ad hoc support sessions');
  await expect(limit.run(ctx, { org: 'helpco', max: '0' }, [])).rejects.toThrow('--max <1-1000>');
  await limit.run(ctx, { org: 'helpco', clear: true }, []);
  expect((await start(techs[2].page, 'three@customer.test')).code).toBeDefined();
  await endAll();
});
