/**
 * Regression (reported by the admin center's helper, stop 21): signing in with an address whose
 * company's OIDC connection names an IdP that does not exist (`idp.acme.test`, a stand-in) was
 * reported as a 500 on /interaction/…/sso. It is the company sign-in's own failure page — 502, the
 * upstream could not be reached — translated, audited, with "try again" and the password way on;
 * never the generic server error.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyBootstrap } from '../../src/bootstrap/apply.js';
import { PageClient } from '../helpers/browser.js';
import { addApp, auditTypes, authorize, startWithMail, type Harness } from '../helpers/sign-in.js';

let h: Harness;
beforeAll(async () => {
  h = await startWithMail();
});
afterAll(() => h?.close());

test('an unreachable company IdP gives the company sign-in failure page with ways on, not a server error', async () => {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'wf-standin-')), 'bootstrap.yaml');
  writeFileSync(
    file,
    `organizations:
  - slug: acme
    name: Acme
    domains: [{ domain: acme.test, verified: true }]
    connections:
      - { id: acme-oidc, kind: oidc, name: Acme IdP, issuer: "https://idp.acme.test", client_id: wayfinder, client_secret: stand-in-secret }
`,
  );
  await applyBootstrap(h.server.services, file);
  const app = await addApp(h.server, 'standin-app');
  const page = new PageClient(h.server.url);
  const a = await authorize(app, page);
  await page.post(`/interaction/${a.uid}/identify`, { email: 'someone@acme.test' });
  expect(new URL(page.last.url).pathname).toBe(`/interaction/${a.uid}/sso`);
  expect(page.last.status).toBe(502);
  expect(page.title()).toBe('Your company sign-in did not work');
  expect(page.last.body).toContain('We could not reach your company&#39;s identity provider.');
  expect(page.last.body).toContain(`href="/interaction/${a.uid}"`); // try again
  expect(page.last.body).toContain(`href="/interaction/${a.uid}/sso/password"`);
  const failed = await auditTypes(h.server, { type: 'sso.failed' });
  expect(failed.map((e) => (e.data as { reason?: string }).reason)).toContain('idp_unreachable');
});
