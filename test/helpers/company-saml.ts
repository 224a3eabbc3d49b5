/**
 * A Wayfinder with a company that signs in over SAML: the organization Fabrikam, its domain
 * fabrikam.test (vouched for by the operator), a connection to the company SAML IdP of
 * company-saml-idp.ts, and an app. Plus the walk: app → email → AuthnRequest at the IdP → a
 * response (built and shaped by the test) posted back to Wayfinder's ACS → app.
 */
import type { ConnectionInput } from '../../src/connectors/connections.js';
import { createDomains, systemDns } from '../../src/orgs/domains.js';
import type { PageClient } from './browser.js';
import { startCompanySamlIdp, type CompanySamlIdp, type ResponseOptions } from './company-saml-idp.js';
import { addApp, authorize, type Authorization } from './sign-in.js';
import { startTestServer, type TestServer } from './server.js';
import type { oidc } from './rp.js';

export const SAML_CONNECTION = 'fabrikam-saml';

export interface SamlCompany {
  server: TestServer;
  idp: CompanySamlIdp;
  orgId: string;
  app: oidc.Configuration;
  spEntityId: string;
  acs: string;
  configure(settings?: Record<string, unknown>, extra?: Partial<ConnectionInput>): Promise<unknown>;
  close(): Promise<void>;
}

export async function startSamlCompany(
  settings: Record<string, unknown> = {},
  overrides: Record<string, unknown> = {},
): Promise<SamlCompany> {
  const server = await startTestServer({ federation: { allowPrivateNetworks: true, allowHttp: true, clockSkewSeconds: 60 }, ...overrides });
  const idp = await startCompanySamlIdp();
  const s = server.services;
  const orgId = await s.orgs.upsert({ id: 'org-fabrikam', slug: 'fabrikam', name: 'Fabrikam' });
  await createDomains(s.orgs, systemDns(server.config.federation)).verifyByOperator(orgId, 'fabrikam.test');
  const configure = (more: Record<string, unknown> = {}, extra: Partial<ConnectionInput> = {}) =>
    server.features.connections.save({
      id: SAML_CONNECTION,
      orgId,
      kind: 'saml',
      name: 'Fabrikam ADFS',
      metadata: idp.metadata(),
      settings: { ...settings, ...more },
      ...extra,
    });
  await configure();
  const app = await addApp(server, 'intranet');
  return {
    server,
    idp,
    orgId,
    app,
    configure,
    spEntityId: `${server.url}/sso/saml/${SAML_CONNECTION}/metadata`,
    acs: `${server.url}/sso/callback/${SAML_CONNECTION}`,
    async close() {
      await server.close();
      await idp.close();
    },
  };
}

/** Starts a sign-in at the app and follows home realm discovery to the IdP; returns the AuthnRequest read there. */
export async function toIdp(c: SamlCompany, page: PageClient, email = 'someone@fabrikam.test') {
  const a: Authorization = await authorize(c.app, page);
  const url = await page.post(`/interaction/${a.uid}/identify`, { email });
  return { a, url, request: c.idp.readRequest(url) };
}

/** Posts a SAMLResponse to Wayfinder's ACS the way the IdP's auto-submitted form does; returns where the browser ends. */
export function postToAcs(c: SamlCompany, page: PageClient, SAMLResponse: string, RelayState?: string) {
  return page.post(c.acs, { SAMLResponse, ...(RelayState !== undefined ? { RelayState } : {}) }, { csrf: false });
}

/** The whole walk with a response built from `o` (the request's ID, ACS and audience filled in). */
export async function samlSignIn(c: SamlCompany, page: PageClient, email: string, o: Partial<ResponseOptions> = {}) {
  const { a, request } = await toIdp(c, page, email);
  const response = c.idp.response({
    acs: c.acs,
    audience: c.spEntityId,
    inResponseTo: request.id,
    nameId: email,
    attributes: { email: [email] },
    ...o,
  });
  const end = await postToAcs(c, page, response, request.relayState);
  return { a, request, end };
}
