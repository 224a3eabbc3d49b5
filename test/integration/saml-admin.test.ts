/**
 * Administering the SAML IdP: service providers from the bootstrap file (idempotent, paths in its
 * errors) and from the CLI (`saml sp add | list | remove`), signing certificates listed and rotated by
 * the CLI, and a rotation seen by a running server: both certificates stay in the metadata and the new
 * one signs the next response.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { baseEnv, runCli } from '../helpers/cli.js';
import { SAML } from '@node-saml/node-saml';
import { applyBootstrap } from '../../src/bootstrap/apply.js';
import { createSamlAdmin } from '../../src/saml/index.js';
import { PageClient, signInWithPassword } from '../helpers/browser.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { testServices } from '../helpers/services.js';
import { startTestServer } from '../helpers/server.js';
import { addSp, idpCertificates, postedForm, spKeys } from '../helpers/saml-sp.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'wf-saml-admin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function spMetadata(entity: string) {
  const keys = await spKeys();
  return new SAML({
    issuer: `https://${entity}/metadata`,
    callbackUrl: `https://${entity}/acs`,
    logoutCallbackUrl: `https://${entity}/slo`,
    idpCert: keys.certificate,
    privateKey: keys.privateKey,
    decryptionPvk: keys.privateKey,
  }).generateServiceProviderMetadata(keys.certificate, keys.certificate);
}
const write = (name: string, text: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('bootstrap saml_service_providers', () => {
  let t: Awaited<ReturnType<typeof testServices>>;
  beforeAll(async () => {
    t = await testServices();
  });
  afterAll(() => t?.close());

  test('a metadata file (relative to the bootstrap file) and inline metadata, applied twice: same state', async () => {
    write('hr.xml', await spMetadata('hr.example.test'));
    const inline = (await spMetadata('wiki.example.test')).replace(/\n/g, ' ').replace(/"/g, '\\"');
    const f = write(
      'saml.yaml',
      [
        'saml_service_providers:',
        '  - metadata_file: hr.xml',
        '    display_name: HR',
        '    nameid_format: emailAddress',
        '    sign: assertion',
        '    encrypt_assertion: true',
        '    allow_idp_initiated: true',
        '    launch_url: https://hr.example.test/',
        '    attributes: { mail: email, memberOf: groups, tier: { value: gold } }',
        `  - metadata: "${inline}"`,
      ].join('\n'),
    );
    expect((await applyBootstrap(t.services, f)).samlServiceProviders).toBe(2);
    await applyBootstrap(t.services, f);
    const admin = createSamlAdmin(t.services);
    const rows = await admin.registry.list();
    expect(rows.map((r) => r.entity_id)).toEqual(['https://hr.example.test/metadata', 'https://wiki.example.test/metadata']);
    const hr = (await admin.registry.findByEntityId('https://hr.example.test/metadata'))!;
    expect(hr.settings).toMatchObject({
      display_name: 'HR',
      nameid_format: 'emailAddress',
      sign: 'assertion',
      encrypt_assertion: true,
      allow_idp_initiated: true,
      attributes: { tier: { value: 'gold' } },
    });
    expect(hr.acs[0].location).toBe('https://hr.example.test/acs');
    const wiki = (await admin.registry.findByEntityId('https://wiki.example.test/metadata'))!;
    expect(wiki.settings).toMatchObject({
      nameid_format: 'persistent',
      sign: 'both',
      encrypt_assertion: false,
      allow_idp_initiated: false,
      allow_sha1: false,
    });
  });

  test.each([
    [
      'an unknown key',
      'saml_service_providers:\n  - metadata_file: hr.xml\n    colour: blue',
      /saml_service_providers\[0\]: Unrecognized key: "colour"/,
    ],
    ['a bad setting', 'saml_service_providers:\n  - metadata_file: hr.xml\n    sign: never', /saml_service_providers\[0\]\.sign: /],
    [
      'neither metadata nor a file',
      'saml_service_providers:\n  - display_name: X',
      /saml_service_providers\[0\]: give exactly one of metadata and metadata_file/,
    ],
    ['a missing file', 'saml_service_providers:\n  - metadata_file: nope.xml', /saml_service_providers\[0\]: .*nope\.xml: no such file/],
    [
      'metadata with a DTD',
      'saml_service_providers:\n  - metadata: "<!DOCTYPE x><x/>"',
      /saml_service_providers\[0\]: the service provider metadata is not acceptable \(dtd\)/,
    ],
  ])('refuses %s, saying where', async (_name, text, message) => {
    await expect(applyBootstrap(t.services, write(`bad-${Math.random()}.yaml`, text))).rejects.toThrow(message);
  });
});

describe('the CLI', () => {
  let env: NodeJS.ProcessEnv;
  let pg: TestDatabase | undefined;
  const run = (...args: string[]) => runCli(env, ...args);
  beforeAll(async () => {
    env = { ...baseEnv, DATA_DIR: mkdtempSync(path.join(dir, 'data-')) };
    if (process.env.DATABASE_URL) {
      pg = await createTestDatabase();
      env.DATABASE_URL = pg.url;
    }
    expect((await run('migrate')).code).toBe(0);
  }, 120_000);
  afterAll(() => pg?.drop());

  test('saml sp add, list, remove; bad input is one error line', async () => {
    const file = write('cli-sp.xml', await spMetadata('crm.example.test'));
    const added = await run(
      'saml',
      'sp',
      'add',
      '--metadata-file',
      file,
      '--display-name',
      'CRM',
      '--sign',
      'response',
      '--attribute',
      'mail=email',
      '--attribute',
      'tier=value:gold',
      '--allow-idp-initiated',
    );
    expect(added).toMatchObject({ code: 0 });
    expect(added.stdout).toMatch(/^registered SAML service provider https:\/\/crm\.example\.test\/metadata \(id [\w-]{16}\)$/m);
    expect((await run('saml', 'sp', 'add', '--metadata-file', file)).stdout).toMatch(/^updated /);
    const list = await run('saml', 'sp', 'list');
    expect(list.stdout).toMatch(/https:\/\/crm\.example\.test\/metadata\s+-\s+persistent\s+both\s+no\s+no/); // the update reset the flags
    const bad = await run('saml', 'sp', 'add', '--metadata-file', write('bad.xml', '<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error: the service provider metadata is not acceptable \(dtd\)/m);
    expect((await run('saml', 'sp', 'add')).code).toBe(2);
    expect((await run('saml', 'sp', 'remove', 'https://crm.example.test/metadata')).stdout).toMatch(/^removed SAML service provider/);
    expect((await run('saml', 'sp', 'remove', 'https://crm.example.test/metadata')).code).toBe(1);
    expect((await run('saml')).stderr).toMatch(/needs one of: cert, sp/);
  }, 120_000);

  test('saml cert rotate creates, then rotates; list shows active, next and retired', async () => {
    expect((await run('saml', 'cert', 'list')).stdout).toMatch(/no SAML certificates yet/);
    const first = await run('saml', 'cert', 'rotate');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^New signing certificate: [\w-]+ {2}\(SHA-256 [0-9A-F:]+/m);
    await run('saml', 'cert', 'rotate');
    const statuses = (await run('saml', 'cert', 'list')).stdout
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(/ {2,}/)[1]);
    expect(statuses).toEqual(['active', 'next', 'retired', 'retired']);
  }, 120_000);
});

test('a rotation seen by a running server: both certificates published, the next response signed with the new one', async () => {
  const server = await startTestServer();
  try {
    await server.services.users.create({ email: 'ada@example.test', password: 'correct horse battery staple', email_verified: true });
    const before = await idpCertificates(server);
    expect(before).toHaveLength(2); // active and next
    await server.features.saml.certificates.rotate();
    const after = await idpCertificates(server);
    expect(after).toHaveLength(3); // new active (the old next), a new next, and the retired one still published
    expect(after[0]).toBe(before[1]);
    expect(after).toContain(before[0]);
    // An SP that only knows the certificate published ahead of time accepts the new signatures.
    const sp = await addSp(server, 'rotated', { config: { idpCert: before[1] } });
    const page = new PageClient(server.url);
    await signInWithPassword(
      page,
      await page.get(await sp.saml.getAuthorizeUrlAsync('', undefined, {})),
      'ada@example.test',
      'correct horse battery staple',
    );
    expect((await sp.saml.validatePostResponseAsync(postedForm(page).fields)).profile!.nameID).toBeTruthy();
  } finally {
    await server.close();
  }
});
