/**
 * Issue 16, unicode domains: an organization's verified domain and a person's address meet in one
 * form (lowercase punycode) whichever way either was written — `exämple.test`, `EXÄMPLE.TEST`,
 * decomposed `exa\u0308mple.test`, full-width letters, or `xn--exmple-cua.test` — at claim, at
 * verification and at home realm discovery, so `zoë@exämple.test` goes to that company's sign-in.
 * Regression test for addresses of an IDN domain reaching the password step.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyBootstrap } from '../../src/bootstrap/apply.js';
import { normalizeDomain } from '../../src/orgs/domains.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { setUpAdmin } from '../helpers/admin-api.js';
import { addApp, authorize } from '../helpers/sign-in.js';
import { PageClient } from '../helpers/browser.js';

let server: TestServer;
let admin: Awaited<ReturnType<typeof setUpAdmin>>;

beforeAll(async () => {
  server = await startTestServer();
  admin = await setUpAdmin(server);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wf-idn-'));
  const file = path.join(dir, 'idn.yaml');
  writeFileSync(
    file,
    `organizations:
  - slug: umlaut
    name: Umlaut GmbH
    domains: [{ domain: "EXÄMPLE.test", verified: true }]
    branding: { product_name: Umlaut Sign-in, primary_color: "#5b2a86" }
    connections:
      - { id: umlaut-idp, kind: oidc, name: Umlaut IdP, issuer: "https://idp.umlaut.invalid", client_id: wf, client_secret: umlaut-secret-0123456789abcdef }
`,
  );
  await applyBootstrap(server.services, file);
});
afterAll(() => server?.close());

test('every spelling of the domain is one canonical form', () => {
  const forms = [
    'exämple.test',
    'EXÄMPLE.TEST',
    'xn--EXMPLE-cua.test',
    'exa\u0308mple.test',
    'ｅｘäｍｐｌｅ.test',
    'exämple.test.',
    'exämple。test',
  ];
  expect(forms.map(normalizeDomain)).toEqual(forms.map(() => 'xn--exmple-cua.test'));
});

test('the domain written in unicode is stored and verified in punycode; another organization cannot verify either spelling', async () => {
  const org = (await server.services.orgs.findBySlug('umlaut'))!;
  expect((await server.services.orgs.domainsOf(org.id)).map((d) => [d.domain, !!d.verified_at])).toEqual([['xn--exmple-cua.test', true]]);
  const acme = await admin.token('acme-admin');
  for (const spelling of ['xn--exmple-cua.test', 'exämple.test']) {
    const claimed = await admin.call(acme, 'POST', '/domains', { domain: spelling });
    expect([claimed.status, claimed.body.domain]).toEqual([201, 'xn--exmple-cua.test']);
  }
  // One claim for both spellings, and the verified owner is still Umlaut.
  expect(
    ((await admin.call(acme, 'GET', '/domains')).body.items as Array<{ domain: string }>).filter((d) => d.domain.includes('exmple')),
  ).toHaveLength(1);
  expect((await server.services.orgs.verifiedOwner('xn--exmple-cua.test'))?.slug).toBe('umlaut');
});

test('discovery: zoë@exämple.test (and every other spelling) routes to the company whose verified domain it is', async () => {
  for (const email of ['zoë@exämple.test', 'ZOË@EXÄMPLE.TEST', 'zoë@xn--exmple-cua.test', 'zoe\u0308@exa\u0308mple.test']) {
    const realm = await server.features.discovery.byEmail(email);
    expect([email, realm.kind, realm.kind === 'company' && realm.org.slug]).toEqual([email, 'company', 'umlaut']);
  }
  expect((await server.features.discovery.byDomain('exämple.test'))?.kind).toBe('company');
  expect((await server.features.discovery.byEmail('zoë@example.test')).kind).toBe('password');
});

test('the email step sends zoë@exämple.test to the company sign-in (in the company brand), not the password step', async () => {
  const app = await addApp(server, 'idn-app');
  const page = new PageClient(server.url);
  const a = await authorize(app, page);
  await page.post(`/interaction/${a.uid}/identify`, { email: 'zoë@exämple.test' });
  expect(page.last.body).not.toContain('name="password"');
  // Once the email step has routed to the company, its pages wear the company's brand.
  expect(page.last.body).toMatch(/<title>[^<]* · Umlaut Sign-in<\/title>/);
  const journey = await server.features.journey.stateOf({ uid: a.uid } as never);
  expect(journey.realm).toMatchObject({ kind: 'company', org: { slug: 'umlaut' } });
});
