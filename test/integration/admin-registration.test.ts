/**
 * The admin use-cases the CLI's `client add | remove` and `connection add` now call
 * (src/admin/clients.ts, src/admin/connections.ts): who may call them, checks before anything is
 * written, and their audit events (before/after, never a secret).
 */
import { createAdminCore } from '../../src/admin/core.js';
import { testServices } from '../helpers/services.js';

let t: Awaited<ReturnType<typeof testServices>>;
let core: ReturnType<typeof createAdminCore>;
const operator = { who: 'cli', operator: true };

beforeAll(async () => {
  t = await testServices();
  core = createAdminCore(t.services);
});
afterAll(() => t?.close());

test("OIDC clients: an operator's for everyone, not an organization administrator's to change; before/after audited without secrets; a missing one is 404", async () => {
  const input = { client_id: 'reg-app', client_name: 'Reg App', redirect_uris: ['https://reg.example.test/cb'] };
  const orgAdmin = { who: 'client:acme-admin', orgId: 'o1', operator: false };
  await expect(
    core.clients.save(undefined, orgAdmin, { ...input, grant_types: ['authorization_code', 'client_credentials'] }),
  ).rejects.toMatchObject({ status: 403, code: 'operator_only' });
  expect(await t.services.clients.metadata('reg-app')).toBeUndefined();
  const created = await core.clients.save(undefined, operator, input);
  // The operator's client is everyone's app: an organization's administrator neither replaces nor removes it.
  await expect(core.clients.save(undefined, orgAdmin, { ...input, client_name: 'Taken' })).rejects.toMatchObject({ status: 403 });
  await expect(core.clients.remove(undefined, orgAdmin, 'reg-app')).rejects.toMatchObject({ status: 403 });
  expect(created).toMatchObject({ clientId: 'reg-app', existed: false });
  expect(created.generatedSecret).toMatch(/^[\w-]{32}$/);
  const updated = await core.clients.save(undefined, operator, {
    ...input,
    client_name: 'Reg App 2',
    client_secret: 'a-given-secret-value',
  });
  expect(updated).toMatchObject({ existed: true, generatedSecret: undefined });
  const [event] = await t.services.audit.recent({ type: 'admin.client_updated' });
  expect(event.data).toMatchObject({ target: 'oidc-reg-app', before: { client_name: 'Reg App' }, after: { client_name: 'Reg App 2' } });
  const audited = JSON.stringify(await t.services.audit.recent({ limit: 20 }));
  expect(audited).not.toContain(created.generatedSecret!);
  expect(audited).not.toContain('a-given-secret-value');
  expect(audited).not.toContain('"client_secret"');
  expect(() => core.clients.parse([input, { client_id: 'no-redirects' }], 'clients.yaml')).toThrow(
    /^clients\.yaml: \[1\]\.redirect_uris: /,
  );
  await core.clients.remove(undefined, operator, 'reg-app');
  expect((await t.services.audit.recent({ type: 'admin.client_removed' }))[0].data).toMatchObject({ before: { client_name: 'Reg App 2' } });
  await expect(core.clients.remove(undefined, operator, 'reg-app')).rejects.toMatchObject({ status: 404, code: 'no_client' });
});

test("connections: an entry is checked whole, saved with its organization's audit event, another organization's id refused", async () => {
  const acme = { id: 'org-acme', slug: 'acme', name: 'Acme' };
  const globex = { id: 'org-globex', slug: 'globex', name: 'Globex' };
  await t.services.orgs.upsert(acme);
  await t.services.orgs.upsert(globex);
  const entry = {
    id: 'acme-idp',
    kind: 'oidc',
    name: 'Acme IdP',
    issuer: 'https://idp.acme.test',
    client_id: 'wf',
    client_secret: 'acme-connection-secret',
  };
  await expect(core.connections.save(undefined, acme.id, { ...entry, mfa_trust: 'sometimes' }, { source: 'x.yaml' })).rejects.toMatchObject(
    {
      status: 400,
      message: expect.stringMatching(/^x\.yaml: mfa_trust: /),
    },
  );
  expect(await core.connections.list(acme.id)).toEqual([]);
  expect(await core.connections.save(undefined, acme.id, entry, { source: '(flags)' })).toMatchObject({
    id: 'acme-idp',
    outcome: 'created',
  });
  await core.connections.save(undefined, acme.id, { ...entry, name: 'Acme IdP 2' }, { source: '(flags)' });
  const [event] = await t.services.audit.recent({ type: 'admin.connection_saved' });
  expect(event).toMatchObject({ org_id: acme.id });
  expect(event.data).toMatchObject({ target: 'acme-idp', outcome: 'changed', before: { name: 'Acme IdP' }, after: { name: 'Acme IdP 2' } });
  expect(JSON.stringify(await t.services.audit.recent({ limit: 20 }))).not.toContain('acme-connection-secret');
  await expect(core.connections.save(undefined, globex.id, entry, { source: '(flags)' })).rejects.toMatchObject({
    status: 400,
    code: 'connection_taken',
  });
  expect((await core.connections.list()).map((c) => [c.id, c.org_slug, c.name])).toEqual([['acme-idp', 'acme', 'Acme IdP 2']]);
});
