/**
 * Regression: re-checking a signed-in person's password (change password, new recovery codes) was
 * not throttled, so a stolen session was an unlimited password oracle. Both now go through the
 * sign-in throttle (lifecycle.confirmPassword): after the free attempts from one address they answer
 * 429 and check nothing, not even the right password; the counter is the sign-in page's own.
 */
import { PageClient } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { PASSWORD, addUser, openMyAccount, uniqueEmail } from '../helpers/sign-in.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ throttle: { accountFreeAttempts: 3, ipFreeAttempts: 50, maxDelaySeconds: 60, windowSeconds: 900 } });
});
afterAll(() => server?.close());

async function signedIn() {
  const email = uniqueEmail('reauth');
  await addUser(server, email);
  const page = new PageClient(server.url);
  await openMyAccount(page, email);
  return page;
}

test('change password: wrong current passwords are throttled, then even the right one is refused until the wait ends', async () => {
  const page = await signedIn();
  const statuses: number[] = [];
  for (let i = 0; i < 5; i += 1) {
    await page.get('/account');
    await page.post('/account/password', { current_password: `wrong guess ${i}`, new_password: 'a brand new passphrase 2026' });
    statuses.push(page.last.status);
  }
  expect(statuses.slice(0, 3)).toEqual([400, 400, 400]);
  expect(statuses).toContain(429);
  await page.get('/account');
  await page.post('/account/password', { current_password: PASSWORD, new_password: 'a brand new passphrase 2026' });
  expect(page.last.status).toBe(429);
  expect(page.last.body).toContain('Too many attempts');
});

test('new recovery codes: the password confirmation is throttled the same way', async () => {
  const page = await signedIn();
  const statuses: number[] = [];
  for (let i = 0; i < 5; i += 1) {
    await page.get('/account/recovery-codes');
    await page.post('/account/recovery-codes', { password: `wrong guess ${i}` });
    statuses.push(page.last.status);
  }
  expect(statuses.slice(0, 3)).toEqual([400, 400, 400]);
  expect(statuses).toContain(429);
  await page.get('/account/recovery-codes');
  await page.post('/account/recovery-codes', { password: PASSWORD });
  expect(page.last.status).toBe(429);
  expect(page.last.body).not.toMatch(/<li><code>[a-z0-9-]{11}<\/code><\/li>/);
});
