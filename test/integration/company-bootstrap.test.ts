/**
 * The bootstrap file's Company ID part, applied in process: an organization with domains (one
 * vouched for, one only claimed), three kinds of connection entry (OIDC issuer + client
 * credentials, SAML with inline metadata, SAML with a metadata URL left for the server's schedule),
 * SSO only waiting for a test sign-in; applied twice, the same state; mistakes reported with their
 * path (an unknown setting, invalid metadata, a domain verified by another organization).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { applyBootstrap } from '../../src/bootstrap/apply.js';
import { startCompanySamlIdp, type CompanySamlIdp } from '../helpers/company-saml-idp.js';
import { testServices } from '../helpers/services.js';

let t: Awaited<ReturnType<typeof testServices>>;
let idp: CompanySamlIdp;
let dir: string;

beforeAll(async () => {
  [t, idp] = await Promise.all([testServices(), startCompanySamlIdp()]);
  dir = mkdtempSync(path.join(os.tmpdir(), 'wf-company-bootstrap-'));
});
afterAll(async () => {
  await t?.close();
  await idp?.close();
  rmSync(dir, { recursive: true, force: true });
});

function file(doc: unknown) {
  const f = path.join(dir, `b${Math.random().toString(16).slice(2)}.yaml`);
  writeFileSync(f, YAML.stringify(doc));
  return f;
}

const northwind = (connections: unknown[], extra: Record<string, unknown> = {}) => ({
  organizations: [
    {
      slug: 'northwind',
      name: 'Northwind',
      domains: [{ domain: 'northwind.test', verified: true }, 'northwind-labs.test'],
      connections,
      sso_only: true,
      ...extra,
    },
  ],
});

test('domains, an OIDC and two SAML connections, SSO only pending: applied twice, the same state', async () => {
  const doc = northwind([
    {
      id: 'northwind-entra',
      kind: 'oidc',
      name: 'Northwind Entra ID',
      issuer: 'https://login.microsoftonline.com/t/v2.0',
      client_id: 'wf',
      client_secret: 'northwind-secret',
      variant: 'entra',
    },
    {
      id: 'northwind-adfs',
      kind: 'saml',
      name: 'Northwind ADFS',
      metadata: idp.metadata(),
      mfa_trust: 'trust',
      attributes: { email: 'upn' },
    },
    { id: 'northwind-okta', kind: 'saml', name: 'Northwind Okta', metadata_url: 'https://northwind.okta.example/app/metadata' },
  ]);
  const f = file(doc);
  const first = await applyBootstrap(t.services, f);
  const second = await applyBootstrap(t.services, f);
  expect(second.notes).toEqual(first.notes);
  expect(first.notes).toEqual([
    expect.stringMatching(
      /^northwind: publish the DNS record _wayfinder-verification\.northwind-labs\.test TXT "wayfinder-verification=[\w-]+" to verify northwind-labs\.test$/,
    ),
    'northwind: SSO only will be enforced after a successful test sign-in (wayfinder connection test-url <id>)',
  ]);
  const rows = await t.db.selectFrom('connections').selectAll().orderBy('id').execute();
  expect(rows.map((r) => [r.id, r.kind, r.enabled, Boolean(r.metadata)])).toEqual([
    ['northwind-adfs', 'saml', true, true],
    ['northwind-entra', 'oidc', true, false],
    ['northwind-okta', 'saml', true, false],
  ]);
  expect(rows[0].settings).toMatchObject({
    mfa_trust: 'trust',
    attributes: { email: 'upn' },
    name_id_format: 'persistent',
    allow_unsolicited: false,
    allow_sha1: false,
  });
  expect(rows[2].settings).toMatchObject({ metadata_url: 'https://northwind.okta.example/app/metadata' });
  const org = (await t.services.orgs.findBySlug('northwind'))!;
  expect(org.sso_only).toBe('pending');
  expect((await t.services.orgs.domainsOf(org.id)).map((d) => [d.domain, d.verified_by])).toEqual([
    ['northwind-labs.test', null],
    ['northwind.test', 'bootstrap'],
  ]);
});

test('mistakes are reported with their path, and nothing of the entry is written', async () => {
  await expect(
    applyBootstrap(
      t.services,
      file(northwind([{ id: 'nw-x', kind: 'saml', name: 'X', metadata: idp.metadata(), allow_everything: true }])),
    ),
  ).rejects.toThrow(/organizations\[0\]\.connections\[0\].*allow_everything/);
  await expect(
    applyBootstrap(t.services, file(northwind([{ id: 'nw-bad', kind: 'saml', name: 'Bad', metadata: '<nope/>' }]))),
  ).rejects.toThrow(/organizations\[0\]: connection nw-bad: the IdP metadata is not valid/);
  await expect(applyBootstrap(t.services, file(northwind([{ id: 'nw-none', kind: 'saml', name: 'None' }])))).rejects.toThrow(
    /needs metadata .* or a metadata_url/,
  );
  expect(await t.db.selectFrom('connections').select('id').where('id', 'in', ['nw-x', 'nw-bad', 'nw-none']).execute()).toEqual([]);
  const rival = { organizations: [{ slug: 'rival', name: 'Rival', domains: [{ domain: 'northwind.test', verified: true }] }] };
  await expect(applyBootstrap(t.services, file(rival))).rejects.toThrow(
    /organizations\[0\]: domain northwind.test is verified by another organization/,
  );
});
