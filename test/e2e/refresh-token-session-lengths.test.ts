/**
 * An organization's session lengths bound its members' refresh tokens too (oidc/refresh-token-limit.ts):
 * counted from the sign-in they came from, a refresh past `max_session_hours` (without "Stay signed
 * in") or `remember_days` (with it) is `invalid_grant`; a length shortened later applies to refresh
 * tokens already issued; the tokens are issued to expire no later than the sign-in may last; a member
 * of another organization, or of none, keeps the deployment's lifetime. Time is moved by moving the
 * tokens' sign-in time (`authTime`) back, as the session-lengths test does with sessions.
 */
import { sql } from 'kysely';
import * as oidc from 'openid-client';
import { PASSWORD, addApp, addUser, authorize, enterCredentials, redeem, uniqueEmail } from '../helpers/sign-in.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { setUpAdmin } from '../helpers/admin-api.js';
import { PageClient } from '../helpers/browser.js';

let server: TestServer;
let admin: Awaited<ReturnType<typeof setUpAdmin>>;
let acme: string;
let app: Awaited<ReturnType<typeof addApp>>;

beforeAll(async () => {
  server = await startTestServer();
  admin = await setUpAdmin(server);
  acme = await admin.token('acme-admin');
  app = await addApp(server, 'offline-app');
});
afterAll(() => server?.close());
afterEach(async () => {
  await admin.call(acme, 'PUT', '/policies/sessions', { max_session_hours: null, remember_days: null });
});

const lengths = (max_session_hours: number | null, remember_days: number | null) =>
  admin.call(acme, 'PUT', '/policies/sessions', { max_session_hours, remember_days });

/** A person (of `org`, or of none) signed in at the app with offline access: the app's tokens. */
async function signedIn(opts: { org: string | null; remember?: boolean }) {
  const email = uniqueEmail('offline');
  const user = await addUser(server, email);
  if (opts.org) await server.services.orgs.addMember(await admin.orgId(opts.org), user.id, 'member');
  const page = new PageClient(server.url);
  const a = await authorize(app, page, { scope: 'openid email offline_access' });
  const tokens = await redeem(app, await enterCredentials(page, a, email, PASSWORD, { remember: opts.remember }), a);
  expect(tokens.refresh_token).toBeTruthy();
  return { user, refreshToken: tokens.refresh_token!, accessToken: tokens.access_token };
}

/** Moves the sign-in time of the person's refresh tokens back by `seconds`. */
const age = (userId: string, seconds: number) =>
  sql`update oidc_models set payload = jsonb_set(payload, '{authTime}', to_jsonb((payload->>'authTime')::bigint - ${seconds}))
      where kind = 'RefreshToken' and account_id = ${userId}`.execute(server.testDb.database.db);

/** Moves the sign-in time of the person's access tokens (`extra.auth_time`) back by `seconds`. */
const ageAccess = (userId: string, seconds: number) =>
  sql`update oidc_models set payload = jsonb_set(payload, '{extra,auth_time}', to_jsonb((payload->'extra'->>'auth_time')::bigint - ${seconds}))
      where kind = 'AccessToken' and account_id = ${userId}`.execute(server.testDb.database.db);

/** Seconds from now until the person's newest refresh token expires in storage. */
async function storedLifetime(userId: string) {
  const { rows } = await sql<{ expires_at: Date }>`select expires_at from oidc_models
      where kind = 'RefreshToken' and account_id = ${userId} and consumed_at is null order by expires_at desc limit 1`.execute(
    server.testDb.database.db,
  );
  return (new Date(rows[0].expires_at).getTime() - Date.now()) / 1000;
}

const refreshed = (token: string) => oidc.refreshTokenGrant(app, token);
const refused = (token: string) => expect(refreshed(token)).rejects.toMatchObject({ error: 'invalid_grant' });

test('a 1-hour session length: a refresh within the hour works, past it is invalid_grant; another organization is unaffected', async () => {
  await lengths(1, null);
  const member = await signedIn({ org: 'acme' });
  const other = await signedIn({ org: 'globex' });
  const nobody = await signedIn({ org: null });
  // Issued to expire with the sign-in, not after the deployment's refresh token lifetime.
  expect(await storedLifetime(member.user.id)).toBeLessThanOrEqual(3600);
  expect(await storedLifetime(other.user.id)).toBeGreaterThan(3600);

  await age(member.user.id, 40 * 60);
  const within = await refreshed(member.refreshToken);
  expect(within.access_token).toBeTruthy();
  // The rotated token and its access token keep the sign-in's end (about 20 minutes left).
  expect(await storedLifetime(member.user.id)).toBeLessThanOrEqual(20 * 60 + 5);
  expect(within.expires_in).toBeLessThanOrEqual(20 * 60 + 5);

  await age(member.user.id, 21 * 60);
  await refused(within.refresh_token!);

  for (const p of [other, nobody]) {
    await age(p.user.id, 2 * 3600);
    expect((await refreshed(p.refreshToken)).access_token).toBeTruthy();
  }
});

test('a length shortened after the tokens were issued applies to them at their next use', async () => {
  const member = await signedIn({ org: 'acme' });
  await age(member.user.id, 2 * 3600);
  const before = await refreshed(member.refreshToken);
  expect(before.refresh_token).toBeTruthy();
  await lengths(1, null);
  await refused(before.refresh_token!);
  // Lengthened again: the same token works (it was refused, not revoked).
  await lengths(3, null);
  expect((await refreshed(before.refresh_token!)).access_token).toBeTruthy();
});

test('"Stay signed in" follows remember_days, not max_session_hours; once its session is gone, the shorter', async () => {
  await lengths(1, 2);
  const member = await signedIn({ org: 'acme', remember: true });
  expect(await storedLifetime(member.user.id)).toBeGreaterThan(86400);
  await age(member.user.id, 3 * 3600);
  const within = await refreshed(member.refreshToken);
  await age(member.user.id, 2 * 86400);
  await refused(within.refresh_token!);

  const signedOut = await signedIn({ org: 'acme', remember: true });
  await age(signedOut.user.id, 3 * 3600);
  await sql`delete from oidc_models where kind = 'Session' and account_id = ${signedOut.user.id}`.execute(server.testDb.database.db);
  await refused(signedOut.refreshToken);
});

test('introspection: tokens whose sign-in is past a length shortened after they were issued are inactive; others stay active', async () => {
  const member = await signedIn({ org: 'acme' });
  const nobody = await signedIn({ org: null });
  const active = async (token: string) => (await oidc.tokenIntrospection(app, token)).active;
  const access = await oidc.tokenIntrospection(app, member.accessToken);
  expect(access).toMatchObject({ active: true, sub: member.user.id });
  expect(typeof access.auth_time).toBe('number');
  for (const p of [member, nobody]) {
    await age(p.user.id, 2 * 3600);
    await ageAccess(p.user.id, 2 * 3600);
  }
  expect(await active(member.refreshToken)).toBe(true);
  expect(await active(member.accessToken)).toBe(true);

  await lengths(1, null);
  expect(await active(member.refreshToken)).toBe(false);
  expect(await active(member.accessToken)).toBe(false);
  // Without a limit (of no organization): still active.
  expect(await active(nobody.refreshToken)).toBe(true);
  expect(await active(nobody.accessToken)).toBe(true);
  // Lengthened again: active again (the tokens were not revoked).
  await lengths(3, null);
  expect(await active(member.refreshToken)).toBe(true);
  expect(await active(member.accessToken)).toBe(true);
});
