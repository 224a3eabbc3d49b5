/**
 * Defect 16 of issue 17: a restart with the unchanged IDP_BOOTSTRAP file undid administrators'
 * changes: after `org two-step … --primary totp` from the CLI it put back the file's primary method
 * and reset the members a second time (they lost the factor they had just set up again). Now each
 * entry is applied once per change of the file: applying the same file again leaves the change, the
 * re-enrolled factor and a password the person changed alone; changing the entry in the file applies
 * the file's new value. The change is made with the use-case the CLI command calls.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyBootstrap } from '../../src/bootstrap/apply.js';
import { setTwoStepPolicy } from '../../src/factors/admin.js';
import { createFactorStore } from '../../src/factors/store.js';
import { testServices } from '../helpers/services.js';

let t: Awaited<ReturnType<typeof testServices>>;
beforeAll(async () => {
  t = await testServices();
});
afterAll(() => t?.close());

const dir = mkdtempSync(path.join(os.tmpdir(), 'wf-bootstrap-reapply-'));
const FILE = path.join(dir, 'bootstrap.yaml');
const PASSWORD = 'correct horse battery staple';
const CHANGED_PASSWORD = 'a password changed in my account';
const declare = (primary: string, name = 'Tom Example') =>
  writeFileSync(
    FILE,
    `
users: [{ email: tom@acme.test, password: "${PASSWORD}", name: ${name}, totp_secret: JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP }]
organizations:
  - slug: acme
    name: Acme
    members: [{ email: tom@acme.test }]
    two_step: { required: all, primary_method: ${primary} }
`,
  );

const policy = async () => (await t.db.selectFrom('mfa_policies').select(['primary_method']).executeTakeFirstOrThrow()).primary_method;
const tom = async () => (await t.services.accounts.findUserByEmail('tom@acme.test'))!;
const factorsOf = async (userId: string) =>
  await t.db.selectFrom('user_factors').select(['id', 'kind']).where('user_id', '=', userId).orderBy('id').execute();
const reenrol = async (userId: string) => createFactorStore(t.db).needsReenrol(userId);

test("the same file applied again keeps an administrator's change and resets nobody; a changed entry is applied", async () => {
  declare('push');
  await applyBootstrap(t.services, FILE);
  expect(await policy()).toBe('push');
  const user = await tom();

  // The administrator: `wayfinder org two-step acme --require all --primary totp` (resets Tom, who re-enrols).
  const store = createFactorStore(t.db);
  const org = (await t.services.orgs.findBySlug('acme'))!;
  expect(
    (await setTwoStepPolicy(store, org.id, { required: 'all', primary_method: 'totp', group_names: [], trusted_device_days: 30 })).reset,
  ).toBe(1);
  expect(await factorsOf(user.id)).toEqual([]);
  await store.insertFactor({
    user_id: user.id,
    kind: 'totp',
    label: 'Authenticator app',
    secret_enc: t.services.box.seal('NEWSECRETNEWSECRETNEWSECRETNEWSE', 'factor-secret'),
    confirmed: true,
  });
  await store.clearReenrol(user.id);
  const reenrolled = await factorsOf(user.id);
  // And Tom changes his password in My account.
  await t.services.users.setPassword(user, CHANGED_PASSWORD);

  // A restart with the unchanged file.
  const again = await applyBootstrap(t.services, FILE);
  expect(again.unchanged).toBeGreaterThan(0);
  expect(await policy()).toBe('totp');
  expect(await factorsOf(user.id)).toEqual(reenrolled);
  expect(await reenrol(user.id)).toBe(false);
  expect(await t.services.users.hasPassword(user.id, CHANGED_PASSWORD)).toBe(true);

  // The file changes the policy: the file's new value is applied (and resets the members, as a change does).
  declare('webauthn');
  await applyBootstrap(t.services, FILE);
  expect(await policy()).toBe('webauthn');
  expect(await reenrol(user.id)).toBe(true);
  // …but only the entry that changed: Tom's own entry did not, so his password stays his.
  expect(await t.services.users.hasPassword(user.id, CHANGED_PASSWORD)).toBe(true);
  // Applying that file once more resets nobody again.
  await store.insertFactor({ user_id: user.id, kind: 'webauthn', label: 'Key', confirmed: true });
  await store.clearReenrol(user.id);
  await applyBootstrap(t.services, FILE);
  expect((await factorsOf(user.id)).map((f) => f.kind)).toEqual(['webauthn']);
  expect(await reenrol(user.id)).toBe(false);

  // A changed user entry is applied too.
  declare('webauthn', 'Thomas Example');
  await applyBootstrap(t.services, FILE);
  expect((await tom()).name).toBe('Thomas Example');
});
