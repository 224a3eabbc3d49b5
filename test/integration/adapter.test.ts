/** The oidc-provider adapter on Postgres/PGlite: lookups, consume, the refresh grace window, revocation, purge. */
import { createAdapterClass } from '../../src/oidc/adapter.js';
import { createOidcStore } from '../../src/oidc/store.js';
import { testServices } from '../helpers/services.js';

let t: Awaited<ReturnType<typeof testServices>>;
let Adapter: ReturnType<typeof createAdapterClass>;
beforeAll(async () => {
  t = await testServices();
  Adapter = createAdapterClass({ store: createOidcStore(t.db), clients: t.services.clients, refreshGraceSeconds: 1 });
});
afterAll(() => t?.close());

test('finds by id, uid and user code; expired rows are invisible', async () => {
  const sessions = new Adapter('Session');
  await sessions.upsert('s1', { uid: 'u1', accountId: 'a1', kind: 'Session' } as any, 60);
  expect(await sessions.find('s1')).toMatchObject({ uid: 'u1' });
  expect(await sessions.findByUid('u1')).toMatchObject({ accountId: 'a1' });
  const devices = new Adapter('DeviceCode');
  await devices.upsert('d1', { userCode: 'ABCD-EFGH', kind: 'DeviceCode' } as any, 60);
  expect(await devices.findByUserCode('ABCD-EFGH')).toBeTruthy();
  await sessions.upsert('s2', { uid: 'u2', kind: 'Session' } as any, 1);
  await t.db
    .updateTable('oidc_models')
    .set({ expires_at: new Date(Date.now() - 1000) })
    .where('id', '=', 's2')
    .execute();
  expect(await sessions.find('s2')).toBeUndefined();
});

test('a consumed refresh token looks unconsumed only within the grace window', async () => {
  const rts = new Adapter('RefreshToken');
  await rts.upsert('rt1', { grantId: 'g1', kind: 'RefreshToken' } as any, 600);
  await rts.consume('rt1');
  expect((await rts.find('rt1'))!.consumed).toBeUndefined();
  await new Promise((r) => setTimeout(r, 1200));
  expect((await rts.find('rt1'))!.consumed).toEqual(expect.any(Number));
  // Other models never get a grace window.
  const codes = new Adapter('AuthorizationCode');
  await codes.upsert('c1', { grantId: 'g1', kind: 'AuthorizationCode' } as any, 60);
  await codes.consume('c1');
  expect((await codes.find('c1'))!.consumed).toEqual(expect.any(Number));
});

test('revokeByGrantId removes every token of the grant in one statement', async () => {
  const at = new Adapter('AccessToken');
  const rt = new Adapter('RefreshToken');
  await at.upsert('at9', { grantId: 'g9', kind: 'AccessToken' } as any, 60);
  await rt.upsert('rt9', { grantId: 'g9', kind: 'RefreshToken' } as any, 60);
  await at.upsert('at10', { grantId: 'g10', kind: 'AccessToken' } as any, 60);
  await at.revokeByGrantId('g9');
  expect(await at.find('at9')).toBeUndefined();
  expect(await rt.find('rt9')).toBeUndefined();
  expect(await at.find('at10')).toBeTruthy();
});

test('every adapter lookup uses an index', async () => {
  const indexes = (await t.db
    .selectFrom('pg_indexes' as any)
    .select(['indexname', 'indexdef'] as any)
    .where('tablename' as any, '=', 'oidc_models')
    .execute()) as Array<{ indexdef: string }>;
  const defs = indexes.map((i) => i.indexdef).join('\n');
  for (const column of ['uid', 'user_code', 'grant_id', 'account_id', 'expires_at']) expect(defs).toContain(column);
  expect(defs).toMatch(/PRIMARY KEY|oidc_models_pk/);
});

test('purge deletes expired rows in batches and keeps live ones', async () => {
  const store = createOidcStore(t.db);
  const at = new Adapter('AccessToken');
  for (let i = 0; i < 25; i += 1) await at.upsert(`old${i}`, { kind: 'AccessToken' } as any, 60);
  await at.upsert('live', { kind: 'AccessToken' } as any, 60);
  await t.db
    .updateTable('oidc_models')
    .set({ expires_at: new Date(Date.now() - 1000) })
    .where('id', 'like', 'old%')
    .execute();
  expect(await store.purgeExpired(10)).toBeGreaterThanOrEqual(25);
  const left = await t.db.selectFrom('oidc_models').select('id').where('id', 'like', 'old%').execute();
  expect(left).toHaveLength(0);
  expect(await at.find('live')).toBeTruthy();
});

test('purge removes the device details of sessions that are gone, and keeps those of live and new sessions', async () => {
  const store = createOidcStore(t.db);
  const sessions = new Adapter('Session');
  const user = await t.services.users.create({ email: 'purge-meta@example.test' });
  await sessions.upsert('live-session', { kind: 'Session', uid: 'uid-live', accountId: user.id } as any, 3600);
  const meta = (uid: string) => ({ session_uid: uid, user_id: user.id, ip: '127.0.0.1', user_agent: 'test' });
  for (const uid of ['uid-live', 'uid-gone', 'uid-new']) await store.touchSessionMeta(meta(uid));
  const hourAgo = new Date(Date.now() - 2 * 3600_000);
  await t.db.updateTable('session_meta').set({ created_at: hourAgo }).where('session_uid', 'in', ['uid-live', 'uid-gone']).execute();
  await store.purgeExpired(10);
  const left = await t.db.selectFrom('session_meta').select('session_uid').orderBy('session_uid').execute();
  expect(left.map((r) => r.session_uid)).toEqual(['uid-live', 'uid-new']);
});

test('clients come from the registry, never from oidc_models', async () => {
  await t.services.clients.upsert({ client_id: 'c-reg', client_secret: 'registry-secret', grant_types: ['client_credentials'] });
  const clients = new Adapter('Client');
  expect(await clients.find('c-reg')).toMatchObject({ client_id: 'c-reg', client_secret: 'registry-secret' });
  await expect(clients.upsert('c-x', {} as any, 0)).rejects.toThrow(/client registry/);
});
