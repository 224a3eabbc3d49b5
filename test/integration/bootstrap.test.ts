/** The declarative bootstrap file: idempotent, and precise about what is wrong. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyBootstrap, BootstrapError } from '../../src/bootstrap/apply.js';
import { testServices } from '../helpers/services.js';

let t: Awaited<ReturnType<typeof testServices>>;
beforeAll(async () => {
  t = await testServices();
});
afterAll(() => t?.close());

const dir = mkdtempSync(path.join(os.tmpdir(), 'wf-bootstrap-'));
function file(name: string, text: string) {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}

const GOOD = `
users:   [{ email: alice@example.test, password: "correct horse battery staple", name: Alice Example }]
clients:
  - { client_id: rp1, client_secret: s3cret-value-0123456789abcdefghij, client_name: Reports, redirect_uris: [https://rp.example/cb],
      grant_types: [authorization_code, refresh_token], token_endpoint_auth_method: client_secret_basic }
resource_servers: [{ identifier: https://api.example.test, scopes: [read] }]
organizations: [{ slug: acme, name: Acme, members: [{ email: alice@example.test, role: admin }] }]
`;

test('applying the same file twice gives the same state', async () => {
  const f = file('good.yaml', GOOD);
  await applyBootstrap(t.services, f);
  const user1 = await t.services.accounts.findUserByEmail('alice@example.test');
  const hash1 = await t.services.accounts.passwordHash(user1!.id);
  await applyBootstrap(t.services, f);
  const users = await t.services.accounts.listUsers();
  expect(users.filter((u) => u.email === 'alice@example.test')).toHaveLength(1);
  expect(await t.services.accounts.passwordHash(user1!.id)).toBe(hash1); // unchanged password is not re-hashed
  const meta = await t.services.clients.metadata('rp1');
  expect(meta).toMatchObject({
    client_id: 'rp1',
    client_secret: 's3cret-value-0123456789abcdefghij',
    redirect_uris: ['https://rp.example/cb'],
  });
  expect((await t.services.orgs.membershipsOf(user1!.id))[0]).toMatchObject({ slug: 'acme', role: 'admin' });
});

test('client secrets are sealed at rest', async () => {
  const row = await t.db.selectFrom('oidc_clients').selectAll().where('client_id', '=', 'rp1').executeTakeFirstOrThrow();
  expect(JSON.stringify(row)).not.toContain('s3cret-value-0123456789abcdefghij');
});

test.each([
  ['unknown top-level key', 'clientz: []', /\(root\): Unrecognized key: "clientz"/],
  [
    'unknown client key',
    'clients: [{ client_id: rp2, redirect_uris: [https://a.example/cb], colour: red }]',
    /clients\[0\]: Unrecognized key: "colour"/,
  ],
  [
    'bad redirect URI',
    'clients: [{ client_id: rp2, redirect_uris: [https://ok.example/cb, "not a url"] }]',
    /clients\[0\]\.redirect_uris\[1\]/,
  ],
  ['bad email', 'users: [{ email: nobody }]', /users\[0\]\.email/],
  [
    'weak password',
    'users: [{ email: bob@example.test, password: password }]',
    /users\[0\]: password\.too_short|users\[0\]: password\.too_common/,
  ],
  [
    'member without user',
    'organizations: [{ slug: beta, name: Beta, members: [{ email: ghost@example.test }] }]',
    /organizations\[0\]\.members\[0\]\.email: no user/,
  ],
  ['not YAML', 'users: [ { email: ', /not valid YAML/],
])('%s is refused with the path of the offending entry', async (_name, text, expected) => {
  const f = file(`bad-${Math.random()}.yaml`, text);
  await expect(applyBootstrap(t.services, f)).rejects.toThrow(BootstrapError);
  await expect(applyBootstrap(t.services, f)).rejects.toThrow(expected);
});

test('bootstrap imports TOTP secrets once and sets groups and a two-step policy, through the admin use-case (audited once, by bootstrap)', async () => {
  const f = file(
    'two-step.yaml',
    `
users: [{ email: tom@example.test, password: "correct horse battery staple", totp_secret: JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP }]
organizations:
  - slug: acme
    name: Acme
    members: [{ email: tom@example.test }]
    groups: [{ name: finance, members: [tom@example.test] }]
    two_step: { required: groups, group_names: [finance], primary_method: totp, trusted_device_days: 7 }
`,
  );
  await applyBootstrap(t.services, f);
  await applyBootstrap(t.services, f);
  const tom = (await t.services.accounts.findUserByEmail('tom@example.test'))!;
  const factors = await t.db.selectFrom('user_factors').selectAll().where('user_id', '=', tom.id).execute();
  expect(factors).toHaveLength(1);
  expect(factors[0].confirmed_at).toBeTruthy();
  expect(JSON.stringify(factors[0])).not.toContain('JBSWY3DPEHPK3PXP');
  const policy = await t.db.selectFrom('mfa_policies').selectAll().executeTakeFirstOrThrow();
  expect(policy).toMatchObject({ required: 'groups', group_names: ['finance'], trusted_device_days: 7 });
  const events = await t.services.audit.recent({ type: 'admin.two_step_policy_set' });
  expect(events.map((e) => [e.actor, e.org_id, e.data.after])).toEqual([
    ['bootstrap', policy.org_id, { required: 'groups', group_names: ['finance'], primary_method: 'totp', trusted_device_days: 7 }],
  ]);
});

test('an organization entry sets its provisioning-error address once per change; null clears it; a bad one is refused', async () => {
  const notifyOf = () =>
    t.db
      .selectFrom('organizations')
      .select(['provisioning_notify_email as email', 'provisioning_notify_lang as lang'])
      .where('slug', '=', 'notified')
      .executeTakeFirstOrThrow();
  const entry = (value: string) => `organizations: [{ slug: notified, name: Notified, ${value} }]`;
  const f = file('notify.yaml', entry('provisioning_notify_email: it@notified.test, provisioning_notify_language: nl'));
  await applyBootstrap(t.services, f);
  expect(await notifyOf()).toEqual({ email: 'it@notified.test', lang: 'nl' });
  // Changed since (the CLI): the unchanged file does not undo it.
  await t.db.updateTable('organizations').set({ provisioning_notify_email: 'ops@notified.test' }).where('slug', '=', 'notified').execute();
  await applyBootstrap(t.services, f);
  expect((await notifyOf()).email).toBe('ops@notified.test');
  await applyBootstrap(t.services, file('notify-clear.yaml', entry('provisioning_notify_email: null')));
  expect(await notifyOf()).toEqual({ email: null, lang: null });
  await expect(applyBootstrap(t.services, file('notify-bad.yaml', entry('provisioning_notify_email: nobody')))).rejects.toThrow(
    /organizations\[0\]\.provisioning_notify_email/,
  );
  await expect(
    applyBootstrap(t.services, file('notify-lang.yaml', entry('provisioning_notify_email: a@b.test, provisioning_notify_language: xx'))),
  ).rejects.toThrow(/organizations\[0\]\.provisioning_notify_language/);
});
