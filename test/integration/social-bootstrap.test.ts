/**
 * `social_providers` in the bootstrap file: all six providers with the contract's keys, applied
 * twice to the same state (order = button order, secrets sealed and kept when not given again);
 * mistakes reported with their path (unknown provider, unknown key, a provider's required setting).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { applyBootstrap, BootstrapError } from '../../src/bootstrap/apply.js';
import { socialAdmin } from '../../src/connectors/social/bootstrap.js';
import { testServices } from '../helpers/services.js';

let t: Awaited<ReturnType<typeof testServices>>;
let dir: string;
beforeAll(async () => {
  t = await testServices();
  dir = mkdtempSync(path.join(os.tmpdir(), 'wf-social-bootstrap-'));
});
afterAll(async () => {
  await t?.close();
  rmSync(dir, { recursive: true, force: true });
});

function file(doc: unknown) {
  const f = path.join(dir, `b${Math.random().toString(16).slice(2)}.yaml`);
  writeFileSync(f, YAML.stringify(doc));
  return f;
}

const providers = [
  { provider: 'google', id: 'google', name: 'Google', client_id: 'g-client', client_secret: 'g-secret', allow_sign_up: true },
  { provider: 'microsoft', id: 'microsoft', name: 'Microsoft', client_id: 'm-client', client_secret: 'm-secret' },
  {
    provider: 'apple',
    id: 'apple',
    name: 'Apple',
    client_id: 'com.example.app',
    client_secret: '-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----',
    team_id: 'T1',
    key_id: 'K1',
  },
  {
    provider: 'facebook',
    id: 'facebook',
    name: 'Facebook',
    client_id: 'f-client',
    client_secret: 'f-secret',
    authorization_endpoint: 'https://fb.example.test/dialog/oauth',
    token_endpoint: 'https://graph.example.test/oauth/access_token',
    userinfo_endpoint: 'https://graph.example.test/me',
  },
  { provider: 'linkedin', id: 'linkedin', name: 'LinkedIn', client_id: 'l-client', client_secret: 'l-secret', trust_verified_email: true },
  {
    provider: 'oidc',
    id: 'vault',
    name: 'Vault ID',
    client_id: 'v-client',
    client_secret: 'v-secret',
    issuer: 'https://id.vault.example.test',
  },
];

test('six providers: applied twice, the same state; buttons in file order; secrets sealed', async () => {
  const f = file({ social_providers: providers });
  expect((await applyBootstrap(t.services, f)).socialProviders).toBe(6);
  const admin = socialAdmin(t.services);
  const before = await admin.list();
  await applyBootstrap(t.services, f);
  const after = await admin.list();
  expect(after.map((r) => [r.id, r.updated_at.getTime()])).toEqual(before.map((r) => [r.id, r.updated_at.getTime()]));
  expect((await admin.buttons()).map((b) => b.name)).toEqual(['Google', 'Microsoft', 'Apple', 'Facebook', 'LinkedIn', 'Vault ID']);
  const google = (await admin.find('google'))!;
  expect([google.secret, google.settings.allow_sign_up, google.settings.trust_verified_email]).toEqual(['g-secret', true, false]);
  expect(after.every((r) => r.secret_enc?.startsWith('v1.') && !r.secret_enc.includes('secret'))).toBe(true);
  // Not given again: the sealed secret stays.
  const { client_secret: _omit, ...withoutSecret } = providers[0];
  await applyBootstrap(t.services, file({ social_providers: [withoutSecret, ...providers.slice(1)] }));
  expect((await admin.find('google'))!.secret).toBe('g-secret');
});

test('mistakes are reported with their path', async () => {
  const bad = async (entry: Record<string, unknown>) => {
    const err = await applyBootstrap(t.services, file({ social_providers: [entry] })).catch((e) => e);
    expect(err).toBeInstanceOf(BootstrapError);
    return (err as Error).message;
  };
  expect(await bad({ ...providers[0], provider: 'myspace' })).toContain('social_providers[0].provider');
  expect(await bad({ ...providers[0], colour: 'blue' })).toContain('social_providers[0]');
  expect(await bad({ provider: 'oidc', id: 'no-issuer', name: 'X', client_id: 'x' })).toContain('needs its issuer');
  expect(await bad({ provider: 'apple', id: 'apple2', name: 'Apple', client_id: 'x' })).toContain('team_id');
});

test('a provider an administrator disabled stays disabled when the unchanged file is applied again', async () => {
  const f = file({ social_providers: [{ ...providers[0], id: 'google-kept', name: 'Google (kept)' }] });
  await applyBootstrap(t.services, f);
  const admin = socialAdmin(t.services);
  await admin.setEnabled('google-kept', false);
  await applyBootstrap(t.services, f);
  expect((await admin.find('google-kept'))?.enabled).toBe(false);
  // A change of the entry in the file is applied.
  await applyBootstrap(t.services, file({ social_providers: [{ ...providers[0], id: 'google-kept', name: 'Google (renamed)' }] }));
  expect((await admin.find('google-kept'))?.name).toBe('Google (renamed)');
});
