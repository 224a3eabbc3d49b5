/**
 * SSO only switched on the way the rule allows (src/orgs/lockout-store.ts): through an enabled
 * connection of the organization with a successful test sign-in. Its first enabled connection is
 * marked tested; an organization without one gets a stand-in OIDC connection nobody signs in through.
 */
import { createConnectorStore } from '../../src/connectors/store.js';
import type { Db } from '../../src/db/index.js';
import { createOrgStore } from '../../src/orgs/store.js';

export async function switchSsoOnlyOn(db: Db, orgId: string) {
  const connectors = createConnectorStore(db);
  let id = (await connectors.connectionsOf(orgId)).find((c) => c.enabled)?.id;
  if (!id) {
    id = `standin-${orgId}`;
    await connectors.upsertConnection({
      id,
      org_id: orgId,
      kind: 'oidc',
      name: 'Stand-in',
      enabled: true,
      settings: { issuer: 'https://idp.standin.test', client_id: 'wayfinder', scopes: ['openid', 'email'] },
      secret_enc: null,
    });
  }
  await connectors.markTested(id);
  if (!(await createOrgStore(db).setSsoOnly(orgId, 'on'))) throw new Error(`SSO only could not be switched on for ${orgId}`);
}
