/**
 * The admin use-cases the CLI's `user create | password | list`, `user devices [revoke]` and
 * `saml cert list | rotate` now call (src/admin/accounts.ts, src/admin/saml-certs.ts): only an
 * operator with write access changes anything, and every change is one audit event naming the actor,
 * with no password in it.
 */
import { createAdminCore } from '../../src/admin/core.js';
import { createFactorStore } from '../../src/factors/store.js';
import { testServices } from '../helpers/services.js';

let t: Awaited<ReturnType<typeof testServices>>;
let core: ReturnType<typeof createAdminCore>;
const operator = { who: 'cli', operator: true, canWrite: true };
const reader = { who: 'client:ops-reader', operator: true, canWrite: false };
const orgAdmin = { who: 'client:acme-admin', orgId: 'o1', operator: false, canWrite: true };

beforeAll(async () => {
  t = await testServices();
  core = createAdminCore(t.services);
});
afterAll(() => t?.close());

test('accounts: create and set a password are audited (actor, target, whether generated, never the password); refused to non-operators', async () => {
  await expect(core.accounts.create(undefined, orgAdmin, { email: 'uc@example.com' })).rejects.toMatchObject({ status: 403 });
  await expect(core.accounts.create(undefined, reader, { email: 'uc@example.com' })).rejects.toMatchObject({ status: 403 });
  await expect(core.accounts.list(orgAdmin)).rejects.toMatchObject({ status: 403 });
  expect(await t.services.accounts.findUserByEmail('uc@example.com')).toBeUndefined();

  const created = await core.accounts.create(undefined, operator, { email: 'uc@example.com', name: 'Use Case' });
  expect(created).toMatchObject({ generated: true, user: { email: 'uc@example.com', email_verified: true, status: 'active' } });
  expect(await t.services.users.hasPassword(created.user.id, created.password)).toBe(true);
  await expect(core.accounts.create(undefined, operator, { email: 'UC@example.com' })).rejects.toMatchObject({
    status: 409,
    code: 'user_exists',
  });

  const set = await core.accounts.setPassword(undefined, operator, 'uc@example.com', { password: 'Tr0ub4dor&3-horse' });
  expect(set.generated).toBe(false);
  expect(await t.services.users.hasPassword(created.user.id, 'Tr0ub4dor&3-horse')).toBe(true);
  await expect(core.accounts.setPassword(undefined, orgAdmin, 'uc@example.com', {})).rejects.toMatchObject({ status: 403 });
  await expect(core.accounts.setPassword(undefined, operator, 'nobody@example.com', {})).rejects.toMatchObject({ status: 404 });

  const events = await t.services.audit.recent({ userId: created.user.id });
  expect(events.map((e) => [e.type, e.actor, e.data.target, e.data.generatedPassword])).toEqual([
    ['admin.password_set', 'cli', created.user.id, false],
    ['admin.user_created', 'cli', created.user.id, true],
  ]);
  const audited = JSON.stringify(await t.services.audit.recent({ limit: 50 }));
  expect(audited).not.toContain(created.password);
  expect(audited).not.toContain('Tr0ub4dor&3-horse');
  expect((await core.accounts.list(reader)).map((u) => u.email)).toEqual(['uc@example.com']);
});

test('accounts: revoking one trusted device or all is audited with the device; refused to non-operators', async () => {
  const { user } = await core.accounts.create(undefined, operator, { email: 'devices@example.com' });
  const factors = createFactorStore(t.db);
  for (const token_hash of ['h1', 'h2', 'h3'])
    await factors.insertTrustedDevice({ user_id: user.id, token_hash, user_agent: null, ip: null, days: 30 });
  const devices = await core.accounts.trustedDevices(reader, 'devices@example.com');
  expect(devices).toHaveLength(3);
  await expect(core.accounts.revokeTrustedDevices(undefined, orgAdmin, 'devices@example.com', {})).rejects.toMatchObject({ status: 403 });
  await expect(core.accounts.revokeTrustedDevices(undefined, reader, 'devices@example.com', {})).rejects.toMatchObject({ status: 403 });
  expect(await factors.trustedDevicesOf(user.id)).toHaveLength(3);

  await core.accounts.revokeTrustedDevices(undefined, operator, 'devices@example.com', { device_id: devices[0].id });
  expect((await factors.trustedDevicesOf(user.id)).map((d) => d.id)).not.toContain(devices[0].id);
  await core.accounts.revokeTrustedDevices(undefined, operator, 'devices@example.com', {});
  expect(await factors.trustedDevicesOf(user.id)).toHaveLength(0);

  const events = await t.services.audit.recent({ type: 'admin.trusted_device_revoked', userId: user.id });
  expect(events.map((e) => [e.actor, e.data.deviceId])).toEqual([
    ['cli', 'all'],
    ['cli', devices[0].id],
  ]);
});

test('SAML certificates: a rotation activates the published next one and is audited with it; refused to non-operators', async () => {
  await expect(core.samlCerts.rotate(undefined, orgAdmin)).rejects.toMatchObject({ status: 403 });
  await expect(core.samlCerts.rotate(undefined, reader)).rejects.toMatchObject({ status: 403 });
  await expect(core.samlCerts.list(orgAdmin)).rejects.toMatchObject({ status: 403 });
  expect(await t.services.audit.recent({ type: 'admin.saml_cert_rotated' })).toEqual([]);

  const first = await core.samlCerts.rotate(undefined, operator);
  expect(first.certificates.find((c) => c.id === first.id)?.status).toBe('active');
  const next = first.certificates.find((c) => c.status === 'next')!;
  const second = await core.samlCerts.rotate(undefined, operator);
  expect(second.id).toBe(next.id);
  expect((await core.samlCerts.list(reader)).find((c) => c.id === first.id)?.status).toBe('retired');

  const events = await t.services.audit.recent({ type: 'admin.saml_cert_rotated' });
  expect(events.map((e) => [e.actor, e.data.activated])).toEqual([
    ['cli', second.id],
    ['cli', first.id],
  ]);
});
