/**
 * First-party grants: made without a consent page at the first sign-in to an app, not written again
 * when the same app asks again in the same session for nothing new (one database write less per
 * authorization), and widened — and saved — when it asks for more.
 */
import { sql } from 'kysely';
import { PageClient } from '../helpers/browser.js';
import { addApp, addUser, authorize, enterCredentials, redeem, startWithMail, uniqueEmail, type Harness } from '../helpers/sign-in.js';

let h: Harness;
beforeAll(async () => {
  h = await startWithMail();
});
afterAll(() => h?.close());

const grantRows = (userId: string) =>
  h.server.testDb.database.db
    .selectFrom('oidc_models')
    .select(['id', 'expires_at', 'payload'])
    .where('kind', '=', 'Grant')
    .where('account_id', '=', userId)
    .where(sql<boolean>`(expires_at is null or expires_at > now())`)
    .execute();

test('the same app again in a session reuses its grant unchanged; asking for more widens and saves it', async () => {
  const app = await addApp(h.server, 'grant-app');
  const email = uniqueEmail('grant');
  const user = await addUser(h.server, email);
  const page = new PageClient(h.server.url);

  const first = await authorize(app, page, { scope: 'openid' });
  expect((await redeem(app, await enterCredentials(page, first, email, 'correct horse battery staple'), first)).scope).toBe('openid');
  const [made] = await grantRows(user.id);
  expect((made.payload as { openid?: { scope?: string } }).openid?.scope).toBe('openid');

  await new Promise((r) => setTimeout(r, 1100)); // a save would move expires_at by at least this much
  const again = await authorize(app, page, { scope: 'openid' });
  expect(again.url.startsWith('https://rp.example.test/cb')).toBe(true); // no page: the session answers
  await redeem(app, again.url, again);
  const [unchanged] = await grantRows(user.id);
  expect(unchanged.id).toBe(made.id);
  expect(unchanged.expires_at!.getTime()).toBe(made.expires_at!.getTime());

  const more = await authorize(app, page, { scope: 'openid email' });
  const tokens = await redeem(app, more.url, more);
  expect(tokens.scope?.split(' ').sort()).toEqual(['email', 'openid']);
  const [widened] = await grantRows(user.id);
  expect(widened.id).toBe(made.id);
  expect((widened.payload as { openid?: { scope?: string } }).openid?.scope?.split(' ').sort()).toEqual(['email', 'openid']);
  // (That widened scope was read back from the row, so the grant was saved. Its expires_at is not a witness:
  // oidc-provider keeps a grant's exp when it saves it again, and the row's expiry is now + the whole seconds
  // left, so it moves by under a second either way — which made this test fail on Postgres now and then.)
});
