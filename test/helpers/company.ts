/**
 * A Wayfinder with a company: a local DNS server for domain verification, an organization with a
 * domain verified through it, an Entra-like upstream OIDC IdP connected to it, and an app. Plus the
 * walk a person takes: app → email → company IdP → back → app.
 */
import { createDomains, systemDns, TXT_PREFIX, TXT_VALUE_PREFIX } from '../../src/orgs/domains.js';
import type { ConnectionInput } from '../../src/connectors/connections.js';
import type { PageClient } from './browser.js';
import { startDnsServer } from './dns-server.js';
import { addApp, authorize, type Authorization, startWithMail, type Harness } from './sign-in.js';
import { startUpstreamOidc, upstreamSignIn, type UpstreamOidc } from './upstream-oidc.js';
import type { oidc } from './rp.js';

export const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const CONNECTION = 'contoso-entra';
const CLIENT_SECRET = 'wayfinder-at-contoso-secret';

export interface Company {
  h: Harness;
  idp: UpstreamOidc;
  dns: Awaited<ReturnType<typeof startDnsServer>>;
  orgId: string;
  app: oidc.Configuration;
  domains: ReturnType<typeof createDomains>;
  /** Saves the Contoso connection again with other settings (e.g. trust_email). */
  configure(settings?: Record<string, unknown>, extra?: Partial<ConnectionInput>): Promise<unknown>;
  close(): Promise<void>;
}

export async function startCompany(settings: Record<string, unknown> = {}): Promise<Company> {
  const dns = await startDnsServer();
  const h = await startWithMail({ federation: { dnsServers: [dns.address], allowPrivateNetworks: true, allowHttp: true } });
  const s = h.server.services;
  const idp = await startUpstreamOidc({
    tenantId: TENANT,
    client: { id: 'wayfinder', secret: CLIENT_SECRET, redirectUri: `${h.server.url}/sso/callback/${CONNECTION}` },
  });
  const orgId = await s.orgs.upsert({ id: 'org-contoso', slug: 'contoso', name: 'Contoso' });
  const domains = createDomains(s.orgs, systemDns(h.server.config.federation));
  const { record } = await domains.claim(orgId, 'contoso.test');
  dns.txt.set(record.name, [record.value]);
  const verified = await domains.verifyByDns(orgId, 'contoso.test');
  if (verified !== 'verified') throw new Error(`contoso.test was not verified: ${verified}`);
  const configure = (more: Record<string, unknown> = {}, extra: Partial<ConnectionInput> = {}) =>
    h.server.features.connections.save({
      id: CONNECTION,
      orgId,
      kind: 'oidc',
      name: 'Contoso Entra ID',
      secret: CLIENT_SECRET,
      settings: { issuer: idp.issuer, client_id: 'wayfinder', variant: 'entra', tenant_id: TENANT, ...settings, ...more },
      ...extra,
    });
  await configure();
  const app = await addApp(h.server, 'portal');
  return {
    h,
    idp,
    dns,
    orgId,
    app,
    domains,
    configure,
    async close() {
      await h.close();
      await idp.close();
      await dns.close();
    },
  };
}

export const txtRecord = (domain: string, token: string) => ({ name: `${TXT_PREFIX}.${domain}`, value: `${TXT_VALUE_PREFIX}${token}` });

/** App → email step → (home realm discovery) company IdP → back. Returns where the browser ended. */
export async function companySignIn(
  c: Company,
  page: PageClient,
  email: string,
  username: string,
  opts: { mfa?: boolean; extra?: Record<string, string> } = {},
) {
  const a: Authorization = await authorize(c.app, page, opts.extra);
  const toIdp = page.last.body.includes('name="email"') ? await page.post(`/interaction/${a.uid}/identify`, { email }) : a.url;
  if (!toIdp.startsWith(c.idp.issuer)) throw new Error(`not sent to the company IdP: ${toIdp} (${page.last.status}: ${page.title()})`);
  const back = await upstreamSignIn(c.idp, toIdp, username, { mfa: opts.mfa });
  const end = await page.get(back);
  return { a, end, toIdp };
}
