/**
 * Throttling of password guesses, end to end, with small numbers (3 free attempts per account and IP,
 * 6 per IP, delays capped at 2 s) so the blocks can be waited out. Every request comes from 127.0.0.1.
 */
import { PageClient } from '../helpers/browser.js';
import { REDIRECT_URI } from '../helpers/rp.js';
import {
  addApp,
  addUser,
  auditTypes,
  authorize,
  enterCredentials,
  PASSWORD,
  pageText,
  sleep,
  startWithMail,
  uniqueEmail,
  type Harness,
} from '../helpers/sign-in.js';

let h: Harness;
let app: Awaited<ReturnType<typeof addApp>>;

beforeAll(async () => {
  h = await startWithMail({ throttle: { accountFreeAttempts: 3, ipFreeAttempts: 6, maxDelaySeconds: 2, windowSeconds: 3600 } });
  app = await addApp(h.server, 'reports');
});
afterAll(() => h?.close());
// Each test starts with no failures counted (the IP counter is shared by every test: all come from 127.0.0.1).
beforeEach(() => h.server.testDb.database.db.deleteFrom('throttles').execute());

/** Opens a sign-in for `email` and returns a function that tries one password on it. */
async function passwordForm(email: string) {
  const page = new PageClient(h.server.url);
  const a = await authorize(app, page);
  await page.post(`/interaction/${a.uid}/identify`, { email });
  return {
    page,
    async attempt(password: string) {
      const back = await page.post(`/interaction/${a.uid}/password`, { password });
      return {
        status: back.startsWith(REDIRECT_URI) ? ('signed-in' as const) : page.last.status,
        retryAfter: Number(page.last.headers.get('retry-after') ?? 0),
        text: pageText(page.last.body),
      };
    },
  };
}

test('wrong passwords for one account from one IP lead to 429 with Retry-After; the right password waits; the block ends by itself', async () => {
  const email = uniqueEmail('target');
  const user = await addUser(h.server, email);
  const form = await passwordForm(email);

  const statuses = [];
  for (let i = 0; i < 4; i += 1) statuses.push((await form.attempt('wrong guess number ' + i)).status);
  expect(statuses).toEqual([400, 400, 400, 400]);

  const blocked = await form.attempt('yet another guess');
  expect(blocked.status).toBe(429);
  expect(blocked.retryAfter).toBeGreaterThanOrEqual(1);
  expect(blocked.retryAfter).toBeLessThanOrEqual(2);
  expect(blocked.text).toMatch(/Too many attempts\. Wait \d+ seconds/);
  expect(form.page.last.body).toContain('name="password"'); // still the password page, ready for later

  // While blocked, even the right password is refused (not checked).
  const refused = await form.attempt(PASSWORD);
  expect(refused.status).toBe(429);

  const events = await auditTypes(h.server, { type: 'login.throttled', userId: user.id });
  expect(events.length).toBeGreaterThanOrEqual(2);
  expect(events[0].data).toEqual(expect.objectContaining({ retryAfter: expect.any(Number) }));

  await sleep(refused.retryAfter * 1000 + 300);
  expect((await form.attempt(PASSWORD)).status).toBe('signed-in');
});

test('while one account is blocked, another account from the same IP still signs in (below the IP limit)', async () => {
  const blockedEmail = uniqueEmail('blocked');
  await addUser(h.server, blockedEmail);
  const otherEmail = uniqueEmail('colleague');
  await addUser(h.server, otherEmail);

  const form = await passwordForm(blockedEmail);
  for (let i = 0; i < 4; i += 1) await form.attempt('wrong guess ' + i);
  expect((await form.attempt(PASSWORD)).status).toBe(429);

  const page = new PageClient(h.server.url);
  const a = await authorize(app, page);
  expect((await enterCredentials(page, a, otherEmail, PASSWORD)).startsWith(REDIRECT_URI)).toBe(true);

  // The first account is still blocked: the per-account counter was not cleared by the other sign-in.
  const still = await form.attempt(PASSWORD);
  expect(still.status).toBe(429);
});

test('wrong passwords spread over many accounts from one IP hit the IP limit, which also ends by itself', async () => {
  const victim = uniqueEmail('victim');
  await addUser(h.server, victim);
  // Two guesses per (unknown) account stay under the per-account limit; only the IP counter reaches its limit.
  let throttled: { status: number | 'signed-in'; retryAfter: number } | undefined;
  for (let i = 0; i < 6 && !throttled; i += 1) {
    const form = await passwordForm(uniqueEmail(`spray${i}`));
    for (let j = 0; j < 2 && !throttled; j += 1) {
      const r = await form.attempt('Summer2024!');
      if (r.status === 429) throttled = r;
      else expect(r.status).toBe(400);
    }
  }
  expect(throttled?.status).toBe(429);

  const form = await passwordForm(victim);
  const refused = await form.attempt(PASSWORD);
  expect(refused.status).toBe(429);
  expect(refused.retryAfter).toBeGreaterThanOrEqual(1);

  await sleep(refused.retryAfter * 1000 + 300);
  expect((await form.attempt(PASSWORD)).status).toBe('signed-in');
  expect((await auditTypes(h.server, { type: 'login.throttled' })).length).toBeGreaterThanOrEqual(3);
});

/** The throttle counters stored under these keys, by key. */
async function counters(...keys: string[]) {
  const rows = await h.server.testDb.database.db.selectFrom('throttles').selectAll().where('key', 'in', keys).execute();
  return Object.fromEntries(rows.map((r) => [r.key, r.failures]));
}

test('a success resets the account counters, not the IP one: later mistakes start again from zero (regression)', async () => {
  const email = uniqueEmail('forgetful');
  await addUser(h.server, email);
  const form = await passwordForm(email);
  for (let i = 0; i < 3; i += 1) expect((await form.attempt('almost ' + i)).status).toBe(400);
  expect(await counters(`acct-ip:${email}|127.0.0.1`, `acct:${email}`, 'ip:127.0.0.1')).toEqual({
    [`acct-ip:${email}|127.0.0.1`]: 3,
    [`acct:${email}`]: 3,
    'ip:127.0.0.1': 3,
  });
  expect((await form.attempt(PASSWORD)).status).toBe('signed-in');
  expect(await counters(`acct-ip:${email}|127.0.0.1`, `acct:${email}`, 'ip:127.0.0.1')).toEqual({ 'ip:127.0.0.1': 3 });

  // Three more mistakes stay under the per-account limit again (without the reset, the second would be refused).
  const again = await passwordForm(email);
  for (let i = 0; i < 3; i += 1) expect((await again.attempt('again ' + i)).status).toBe(400);
  expect((await again.attempt(PASSWORD)).status).toBe('signed-in');
});

test('a known device is not slowed by an account-wide block, and its success still resets that counter (regression)', async () => {
  const email = uniqueEmail('owner');
  await addUser(h.server, email);
  const form = await passwordForm(email);
  expect((await form.attempt(PASSWORD)).status).toBe('signed-in'); // this browser is now a known device
  // A distributed guessing campaign blocked the account from anywhere (no failure from this IP).
  await h.server.testDb.database.db
    .insertInto('throttles')
    .values({ key: `acct:${email}`, failures: 50, first_failure_at: new Date(), blocked_until: new Date(Date.now() + 60e3) })
    .execute();
  expect((await (await passwordForm(email)).attempt(PASSWORD)).status).toBe(429); // another browser waits

  const a = await authorize(app, form.page, { prompt: 'login' });
  expect((await enterCredentials(form.page, a, email, PASSWORD)).startsWith(REDIRECT_URI)).toBe(true);
  expect(await counters(`acct:${email}`)).toEqual({});
});
