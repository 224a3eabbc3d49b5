/**
 * Company ID from the operator's side, run as an operator runs it (child processes of the CLI, on
 * the embedded database, or on Postgres when DATABASE_URL is set): a bootstrap file with an
 * organization's domains (verified by the operator, or claimed with the TXT record to publish),
 * an OIDC connection with its secret sealed, SSO only waiting for a test sign-in, a break-glass
 * administrator; then `domain add | verify | list` (DNS through a local DNS server),
 * `connection add | list | test-url | disable`, and `org sso-only` refused before a test sign-in; SAML
 * connections from a file (metadata from a file, or from a URL fetched at once and refused here for
 * plain http), with their SP metadata URL printed.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { cliSetup, cliTargets, errorLine, SLOW, type CliSetup } from '../helpers/cli.js';
import { startDnsServer } from '../helpers/dns-server.js';
import { startCompanySamlIdp } from '../helpers/company-saml-idp.js';

describe.each(cliTargets())('Company ID administration on %s', (target) => {
  let cli: CliSetup;
  let dir: string;
  let dns: Awaited<ReturnType<typeof startDnsServer>>;
  const run = (...args: string[]) => cli.run(...args);
  const withServices: CliSetup['withServices'] = (fn) => cli.withServices(fn);

  beforeAll(async () => {
    dns = await startDnsServer();
    cli = await cliSetup(target, 'company-cli', { DNS_SERVERS: dns.address });
    dir = cli.dir;
    expect((await run('migrate')).code).toBe(0);
  }, SLOW);
  afterAll(async () => {
    await cli?.close();
    await dns?.close();
  });

  test(
    'bootstrap: domains, an OIDC connection (secret sealed), SSO only pending, a break-glass administrator; applied twice, same state',
    async () => {
      const file = path.join(dir, 'bootstrap.yaml');
      writeFileSync(
        file,
        `
users:
  - { email: root@fabrikam.test, password: "break glass password 2026" }
organizations:
  - slug: fabrikam
    name: Fabrikam
    members: [{ email: root@fabrikam.test, role: admin, break_glass: true }]
    domains:
      - { domain: fabrikam.test, verified: true }
      - fabrikam-labs.test
    connections:
      - id: fabrikam-entra
        kind: oidc
        name: Fabrikam Entra ID
        issuer: https://login.microsoftonline.com/fabrikam-tenant/v2.0
        client_id: wayfinder
        client_secret: very-secret-client-secret
        variant: entra
        tenant_id: fabrikam-tenant
        mfa_trust: trust
    sso_only: true
`,
      );
      for (let i = 0; i < 2; i += 1) {
        const r = await run('bootstrap', 'apply', file);
        expect([r.code, r.stderr]).toEqual([0, expect.stringContaining('_wayfinder-verification.fabrikam-labs.test TXT')]);
        expect(r.stderr).toContain('SSO only will be enforced after a successful test sign-in');
      }
      await withServices(async (s) => {
        const org = (await s.orgs.findBySlug('fabrikam'))!;
        expect(org.sso_only).toBe('pending');
        expect((await s.orgs.verifiedOwner('fabrikam.test'))!.slug).toBe('fabrikam');
        expect(await s.orgs.verifiedOwner('fabrikam-labs.test')).toBeUndefined();
        const conn = await s.db.selectFrom('connections').selectAll().where('id', '=', 'fabrikam-entra').executeTakeFirstOrThrow();
        expect(conn.secret_enc).not.toContain('very-secret');
        expect(s.box.open(conn.secret_enc!, 'connection-secret')).toBe('very-secret-client-secret');
        expect(conn.settings).toMatchObject({
          variant: 'entra',
          tenant_id: 'fabrikam-tenant',
          mfa_trust: 'trust',
          trust_email: false,
          jit: true,
        });
        const root = (await s.accounts.findUserByEmail('root@fabrikam.test'))!;
        expect((await s.orgs.membershipsOf(root.id))[0]).toMatchObject({ role: 'admin', break_glass: true });
      });

      const bad = path.join(dir, 'bad.yaml');
      writeFileSync(
        bad,
        'organizations:\n  - { slug: bad, name: Bad, connections: [{ id: bad-oidc, kind: oidc, name: Bad, issuer: not-a-url, client_id: x }] }\n',
      );
      const refused = await run('bootstrap', 'apply', bad);
      expect(refused.code).toBe(1);
      expect(errorLine(refused)).toMatch(/organizations\[0\]\.connections\[0\]\.issuer/);
    },
    SLOW,
  );

  test(
    'domain add prints the TXT record; verify finds it through the configured DNS server; list shows both',
    async () => {
      const added = await run('domain', 'add', 'fabrikam', 'Fabrikam-Mail.test');
      expect(added.code).toBe(0);
      const value = /value: (wayfinder-verification=\S+)/.exec(added.stdout)![1];
      expect(added.stdout).toContain('name:  _wayfinder-verification.fabrikam-mail.test');
      const missing = await run('domain', 'verify', 'fabrikam', 'fabrikam-mail.test');
      expect(missing.code).toBe(1);
      expect(errorLine(missing)).toMatch(/TXT record was not found/);
      dns.txt.set('_wayfinder-verification.fabrikam-mail.test', [value]);
      const ok = await run('domain', 'verify', 'fabrikam', 'fabrikam-mail.test');
      expect([ok.code, ok.stdout.trim()]).toEqual([0, 'fabrikam-mail.test is verified for fabrikam']);
      expect((await run('domain', 'verify', 'fabrikam', 'fabrikam-labs.test', '--operator')).code).toBe(0);
      const list = await run('domain', 'list', 'fabrikam');
      expect(
        list.stdout
          .trim()
          .split('\n')
          .slice(1)
          .map((l) => l.split(/ {2,}/).slice(0, 1)[0]),
      ).toEqual(['fabrikam-labs.test', 'fabrikam-mail.test', 'fabrikam.test']);
      expect(errorLine(await run('domain', 'add', 'nobody', 'x.test'))).toMatch(/no organization nobody/);
    },
    SLOW,
  );

  test(
    'connection add (flags), list, test-url, disable; SSO only refused before a test sign-in; break-glass needs an admin',
    async () => {
      const added = await run(
        'connection',
        'add',
        '--org',
        'fabrikam',
        '--id',
        'fabrikam-okta',
        '--name',
        'Fabrikam Okta',
        '--issuer',
        'https://fabrikam.okta.example/',
        '--client-id',
        'wf',
        '--client-secret',
        'okta-secret',
        '--mfa-trust',
        'require',
      );
      expect(added.code).toBe(0);
      expect(added.stdout).toContain('callback URL: https://id.example.test/sso/callback/fabrikam-okta');
      expect(added.stdout + added.stderr).not.toContain('okta-secret');
      expect(
        errorLine(
          await run(
            'connection',
            'add',
            '--org',
            'fabrikam',
            '--id',
            'x1',
            '--issuer',
            'https://a.example',
            '--client-id',
            'c',
            '--mfa-trust',
            'sometimes',
          ),
        ),
      ).toMatch(/mfa_trust/);
      const list = await run('connection', 'list', '--org', 'fabrikam');
      expect(
        list.stdout
          .trim()
          .split('\n')
          .slice(1)
          .map((l) => l.split(/ {2,}/).slice(0, 5)),
      ).toEqual([
        ['fabrikam-entra', 'fabrikam', 'oidc', 'Fabrikam Entra ID', 'yes'],
        ['fabrikam-okta', 'fabrikam', 'oidc', 'Fabrikam Okta', 'yes'],
      ]);
      const link = await run('connection', 'test-url', 'fabrikam-okta');
      expect(link.stdout.trim()).toMatch(/^https:\/\/id\.example\.test\/sso\/test\/[\w-]{32}$/);
      expect(errorLine(await run('org', 'sso-only', 'fabrikam', 'on'))).toMatch(/only after a successful test sign-in/);
      expect((await run('connection', 'disable', 'fabrikam-okta')).code).toBe(0);
      expect(errorLine(await run('connection', 'test-url', 'fabrikam-okta'))).toMatch(/switched off/);
      expect((await run('org', 'sso-only', 'fabrikam', 'off')).stdout.trim()).toBe('SSO only is off for fabrikam');
      expect(errorLine(await run('org', 'break-glass', 'fabrikam', 'nobody@fabrikam.test'))).toMatch(/no user/);
      await withServices(async (s) => {
        const events = (await s.audit.recent({ limit: 50 })).map((e) => e.type);
        expect(events).toEqual(
          expect.arrayContaining([
            'admin.connection_saved',
            'admin.connection_test_link',
            'admin.connection_disabled',
            'admin.sso_only',
            'admin.domain_verified',
          ]),
        );
      });
    },
    SLOW,
  );

  test(
    'SAML connections from a file: metadata from a file, or from a URL (fetched at once; plain http refused); invalid metadata refused',
    async () => {
      const idp = await startCompanySamlIdp();
      try {
        writeFileSync(path.join(dir, 'idp.xml'), idp.metadata());
        writeFileSync(
          path.join(dir, 'saml.yaml'),
          'id: fabrikam-adfs\nkind: saml\nname: Fabrikam ADFS\nmetadata_file: idp.xml\nsubject_attribute: employeeNumber\nmfa_trust: trust\n',
        );
        const added = await run('connection', 'add', '--org', 'fabrikam', '--file', path.join(dir, 'saml.yaml'));
        expect(added.code).toBe(0);
        expect(added.stdout).toContain('SP metadata (entity ID): https://id.example.test/sso/saml/fabrikam-adfs/metadata');
        writeFileSync(
          path.join(dir, 'saml-url.yaml'),
          `id: fabrikam-okta-saml\nkind: saml\nname: Fabrikam Okta\nmetadata_url: ${idp.metadataUrl}\n`,
        );
        const byUrl = await run('connection', 'add', '--org', 'fabrikam', '--file', path.join(dir, 'saml-url.yaml'));
        expect(byUrl.code).toBe(0);
        expect(byUrl.stderr).toMatch(/could not be fetched now .*is not https/);
        writeFileSync(path.join(dir, 'bad.xml'), '<not-metadata/>');
        writeFileSync(path.join(dir, 'saml-bad.yaml'), 'id: fabrikam-bad\nkind: saml\nname: Bad\nmetadata_file: bad.xml\n');
        expect(errorLine(await run('connection', 'add', '--org', 'fabrikam', '--file', path.join(dir, 'saml-bad.yaml')))).toMatch(
          /connection fabrikam-bad: the IdP metadata is not valid/,
        );
        const list = await run('connection', 'list', '--org', 'fabrikam');
        const rows = Object.fromEntries(
          list.stdout
            .trim()
            .split('\n')
            .slice(1)
            .map((l) => l.split(/ {2,}/))
            .map((r) => [r[0], r]),
        );
        expect(rows['fabrikam-adfs'].slice(2, 5)).toEqual(['saml', 'Fabrikam ADFS', 'yes']);
        expect(rows['fabrikam-adfs'][6]).toMatch(/^\d{4}-\d\d-\d\dT/);
        expect(rows['fabrikam-okta-saml'][6]).toMatch(/^error: .*not https/);
        expect(rows['fabrikam-bad']).toBeUndefined();
      } finally {
        await idp.close();
      }
    },
    SLOW,
  );
});
