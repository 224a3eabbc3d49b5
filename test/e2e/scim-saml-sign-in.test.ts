/**
 * Provisioning meets company sign-in over SAML (the company SAML IdP stand-in of
 * company-saml-idp.ts): a person provisioned over SCIM lands, at their first SAML sign-in, on the
 * provisioned account — matched on Entra ID's objectidentifier attribute (the SCIM externalId) even
 * when the IdP's email differs, or, with `scim_match: user_name`, on the NameID as Okta sends the
 * userName. No second account, no link by email.
 */
import { randomUUID } from 'node:crypto';
import { PageClient } from '../helpers/browser.js';
import { SAML_CONNECTION, samlSignIn, startSamlCompany, type SamlCompany } from '../helpers/company-saml.js';
import { scimClient, type ScimClient } from '../helpers/scim.js';
import { redeem } from '../helpers/sign-in.js';

const OBJECT_ID = 'http://schemas.microsoft.com/identity/claims/objectidentifier';
let c: SamlCompany;
let scim: ScimClient;

beforeAll(async () => {
  c = await startSamlCompany({ subject_attribute: OBJECT_ID });
  const { token } = await c.server.features.provisioning.tokens.create(undefined, { via: 'cli' }, c.orgId);
  scim = scimClient(c.server, token);
});
afterAll(() => c?.close());

const provision = async (userName: string, externalId: string) => {
  const res = await scim.post('/Users', { userName, externalId, emails: [{ primary: true, type: 'work', value: userName }], active: true });
  expect(res.status).toBe(201);
  return res.body.id as string;
};
const links = (userId: string) =>
  c.server.testDb.database.db.selectFrom('linked_identities').select(['connection_id', 'subject']).where('user_id', '=', userId).execute();

test('Entra ID over SAML: the objectidentifier attribute is the SCIM externalId; the first sign-in lands on the provisioned account', async () => {
  const oid = randomUUID();
  const id = await provision('hedy@fabrikam.test', oid);
  const page = new PageClient(c.server.url);
  const { a, end } = await samlSignIn(c, page, 'hedy@fabrikam.test', {
    nameId: `persistent-${randomUUID()}`,
    attributes: { email: ['hedy.lamarr@fabrikam.test'], [OBJECT_ID]: [oid] },
  });
  expect((await redeem(c.app, end, a)).claims()!.sub).toBe(id);
  expect(await links(id)).toEqual([{ connection_id: SAML_CONNECTION, subject: oid }]);
  expect(await c.server.services.accounts.findUserByEmail('hedy.lamarr@fabrikam.test')).toBeUndefined();
});

test('Okta over SAML with scim_match: user_name: the NameID is the SCIM userName', async () => {
  await c.configure({ subject_attribute: undefined, scim_match: 'user_name' });
  try {
    const id = await provision('ida@fabrikam.test', `00u${randomUUID().slice(0, 8)}`);
    const page = new PageClient(c.server.url);
    const { a, end } = await samlSignIn(c, page, 'ida@fabrikam.test', {
      nameId: 'IDA@fabrikam.test',
      attributes: { email: ['ida@fabrikam.test'] },
    });
    expect((await redeem(c.app, end, a)).claims()!.sub).toBe(id);
    expect((await links(id)).map((l) => l.subject)).toEqual(['IDA@fabrikam.test']);
  } finally {
    await c.configure({ subject_attribute: OBJECT_ID });
  }
});
