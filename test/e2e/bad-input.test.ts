/**
 * Bad input on the sign-in pages and the token endpoint gets a clear 4xx a person (page) or a program
 * (OAuth JSON) can act on, never a 500: missing fields, CSRF mismatches, oversized bodies, unknown or
 * foreign interactions, replayed links, malformed token requests.
 */
import { PageClient } from '../helpers/browser.js';
import {
  addApp,
  addUser,
  auditTypes,
  authorize,
  NEW_PASSWORD,
  pageText,
  startWithMail,
  uniqueEmail,
  type Harness,
} from '../helpers/sign-in.js';

let h: Harness;
let app: Awaited<ReturnType<typeof addApp>>;
const form = { 'content-type': 'application/x-www-form-urlencoded' };

beforeAll(async () => {
  h = await startWithMail();
  app = await addApp(h.server, 'reports');
});
afterAll(() => h?.close());

/** A page client at the email step of a fresh interaction. */
async function atEmailStep() {
  const page = new PageClient(h.server.url);
  const a = await authorize(app, page);
  return { page, uid: a.uid };
}

const isPage = (page: PageClient) => expect(page.last.headers.get('content-type')).toContain('text/html');

test('missing fields: each form answers 400 with its own page and a message, never 500', async () => {
  const { page, uid } = await atEmailStep();
  await page.post(`/interaction/${uid}/identify`, {});
  expect(page.last.status).toBe(400);
  // Issue 16, defect 3: an empty field asks for it ("Enter …"), it is not called malformed.
  expect(pageText(page.last.body)).toContain('Enter your email address.');

  await page.post(`/interaction/${uid}/password`, {}); // no email chosen yet: back to the email page
  expect([page.last.status, page.title()]).toEqual([200, 'Sign in']);
  await page.post(`/interaction/${uid}/identify`, { email: uniqueEmail('someone') });
  await page.post(`/interaction/${uid}/password`, {});
  expect(page.last.status).toBe(400);
  expect(page.title()).toBe('Enter your password');

  const cases: Array<[string, string]> = [
    ['/signup', 'Create your account'],
    ['/password/forgot', 'Reset your password'],
    ['/password/reset', "This link doesn't work any more"],
    ['/invitation', "This link doesn't work any more"],
    ['/verify-email', "This link doesn't work any more"],
  ];
  for (const [path, title] of cases) {
    await page.get('/signup');
    await page.post(path, {});
    expect([path, page.last.status, page.title()]).toEqual([path, 400, title]);
    isPage(page);
  }
});

test('a CSRF mismatch gets a 403 page and an audit event csrf.rejected; a missing one too', async () => {
  const { page, uid } = await atEmailStep();
  await page.post(`/interaction/${uid}/identify`, { email: uniqueEmail('victim') }, { csrf: 'x'.repeat(32) });
  expect(page.last.status).toBe(403);
  isPage(page);
  expect(pageText(page.last.body)).toContain('This form has expired or was sent from another site');

  await page.post('/password/forgot', { email: uniqueEmail('victim') }, { csrf: false });
  expect(page.last.status).toBe(403);

  const events = await auditTypes(h.server, { type: 'csrf.rejected' });
  expect(events.map((e) => (e.data as { path: string }).path)).toEqual(
    expect.arrayContaining([`/interaction/${uid}/identify`, '/password/forgot']),
  );
  expect(events.every((e) => e.outcome === 'failure')).toBe(true);
});

test('a form body over 64 KiB gets a 413 page', async () => {
  const { page, uid } = await atEmailStep();
  await page.post(`/interaction/${uid}/identify`, { email: 'a@example.test', filler: 'x'.repeat(70 * 1024) });
  expect(page.last.status).toBe(413);
  isPage(page);
  expect(pageText(page.last.body)).toContain('The request was too large');
  await page.get('/signup');
  await page.post('/signup', { email: uniqueEmail('big'), password: 'y'.repeat(80 * 1024) });
  expect(page.last.status).toBe(413);
});

test('an unknown interaction, one from another browser, and a finished one end somewhere useful, never on an error (issue 11)', async () => {
  const { page } = await atEmailStep();
  const other = await atEmailStep();
  // Unknown: nothing to recover, the lost page.
  const lost = await page.get('/interaction/not-a-real-uid');
  expect([new URL(lost).pathname, page.last.status, page.title()]).toEqual(['/', 200, "You're not lost — we're lost"]);
  // Another browser's interaction: its app's request starts again here (a new interaction of this browser).
  for (const client of [page, new PageClient(h.server.url)]) {
    const landed = await client.get(`/interaction/${other.uid}`);
    expect(client.last.status).toBe(200);
    expect(landed).toContain('/interaction/');
    expect(landed).not.toContain(other.uid);
    expect(client.last.body).toContain('name="email"');
  }
  // A form posted to it: one "took too long" step (the posted form is lost), whose Continue restarts.
  await page.get('/signup');
  await page.post(`/interaction/${other.uid}/identify`, { email: 'a@example.test' });
  expect([page.last.status, page.title()]).toEqual([200, 'Your sign-in took too long']);

  // A finished interaction cannot be replayed: posting its password again does not sign in twice.
  const email = uniqueEmail('done');
  await addUser(h.server, email, NEW_PASSWORD);
  const fresh = await atEmailStep();
  await fresh.page.post(`/interaction/${fresh.uid}/identify`, { email });
  const csrf = fresh.page.csrf();
  await fresh.page.post(`/interaction/${fresh.uid}/password`, { password: NEW_PASSWORD });
  const before = (await auditTypes(h.server, { type: 'login.success' })).length;
  await fresh.page.post(`/interaction/${fresh.uid}/password`, { password: NEW_PASSWORD }, { csrf });
  expect(fresh.page.last.status).toBe(200);
  expect(fresh.page.last.url).not.toContain(fresh.uid);
  expect((await auditTypes(h.server, { type: 'login.success' })).length).toBe(before);
});

test('reopening the address of a posted form (GET) gives a 405 page, an unknown address a 404 page', async () => {
  const { page, uid } = await atEmailStep();
  await page.get(`/interaction/${uid}/password`);
  expect(page.last.status).toBe(405);
  expect(page.last.headers.get('allow')).toContain('POST');
  expect(pageText(page.last.body)).toContain('This address does not accept that kind of request');
  isPage(page);
  await page.get('/no-such-page');
  expect(page.last.status).toBe(404);
  isPage(page);
});

describe('the token endpoint answers bad requests with OAuth JSON errors', () => {
  const basic = { authorization: `Basic ${Buffer.from('reports:reports-secret-value').toString('base64')}` };
  async function token(body: BodyInit, headers: Record<string, string>) {
    const res = await fetch(`${h.server.url}/token`, { method: 'POST', body, headers });
    const text = await res.text();
    return {
      status: res.status,
      type: res.headers.get('content-type') ?? '',
      json: JSON.parse(text) as { error?: string; error_description?: string },
    };
  }

  test('malformed bodies', async () => {
    for (const [body, headers] of [
      ['%%%&&&==', { ...form, ...basic }],
      ['{"grant_type":"authorization_code"', { 'content-type': 'application/json', ...basic }],
      ['grant_type=authorization_code', { ...form, ...basic }],
      [
        'grant_type=authorization_code&code=made-up&redirect_uri=https%3A%2F%2Frp.example.test%2Fcb&code_verifier=' + 'a'.repeat(43),
        { ...form, ...basic },
      ],
      ['grant_type=password&username=a&password=b', { ...form, ...basic }],
    ] as Array<[string, Record<string, string>]>) {
      const r = await token(body, headers);
      expect([body, r.status >= 400 && r.status < 500]).toEqual([body, true]);
      expect(r.type).toContain('application/json');
      expect(r.json.error).toMatch(/^(invalid_request|invalid_grant|unsupported_grant_type|unauthorized_client)$/);
    }
  });

  test('an unknown client is invalid_client (401)', async () => {
    const r = await token('grant_type=client_credentials', {
      ...form,
      authorization: `Basic ${Buffer.from('nobody:whatever-secret').toString('base64')}`,
    });
    expect(r.status).toBe(401);
    expect(r.json.error).toBe('invalid_client');
    const r2 = await token('grant_type=authorization_code&client_id=nobody&code=x', form);
    expect(r2.status).toBe(401);
    expect(r2.json.error).toBe('invalid_client');
  });

  test('an oversized body is a 4xx JSON error', async () => {
    const r = await token(`grant_type=client_credentials&filler=${'x'.repeat(100 * 1024)}`, { ...form, ...basic });
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
    expect(r.type).toContain('application/json');
    expect(r.json.error).toBeTruthy();
  });
});
