/** What an assertion says about a person: NameID per format, attributes from the mapping, authentication context. */
import { attributesFor, authnContextFor, nameIdFor, type SubjectDeps } from '../../src/saml/subject.js';
import { spSettingsSchema, type SpSettings } from '../../src/saml/settings.js';
import type { ServiceProvider } from '../../src/saml/registry.js';
import type { User } from '../../src/accounts/store.js';

const user: User = {
  id: 'u-1',
  email: 'ada@example.test',
  email_verified: true,
  name: 'Ada Lovelace',
  given_name: 'Ada',
  family_name: null,
  locale: null,
  status: 'active',
  updated_at: new Date(),
};
const deps = {
  store: {
    persistentNameId: async (userId: string, spId: string) => `wf-${userId}-${spId}`,
    groupNamesOf: async () => ['analysts', 'engines'],
  },
  organizationsOf: async () => ['acme'],
} as unknown as SubjectDeps;
const sp = (settings: Partial<SpSettings>) =>
  ({ id: 'sp-1', entityId: 'https://sp', settings: spSettingsSchema.parse(settings) }) as unknown as ServiceProvider;

test('NameID formats: persistent from the store, emailAddress and unspecified the email, transient new each time', async () => {
  expect(await nameIdFor(deps, user, sp({}))).toEqual({
    value: 'wf-u-1-sp-1',
    format: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
  });
  expect(await nameIdFor(deps, user, sp({ nameid_format: 'emailAddress' }))).toEqual({
    value: 'ada@example.test',
    format: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
  });
  expect(await nameIdFor(deps, user, sp({ nameid_format: 'unspecified' }))).toEqual({
    value: 'ada@example.test',
    format: 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
  });
  const [a, b] = [
    await nameIdFor(deps, user, sp({ nameid_format: 'transient' })),
    await nameIdFor(deps, user, sp({ nameid_format: 'transient' })),
  ];
  expect(a.format).toBe('urn:oasis:names:tc:SAML:2.0:nameid-format:transient');
  expect(a.value).toMatch(/^_[0-9a-f]{40}$/);
  expect(a.value).not.toBe(b.value);
});

test('attributes follow the mapping (an empty source gives no values: the XML leaves it out); URI names get the uri name format', async () => {
  const attrs = await attributesFor(
    deps,
    user,
    sp({
      attributes: {
        mail: 'email',
        'urn:oid:2.5.4.4': 'family_name',
        memberOf: 'groups',
        org: 'organizations',
        tier: { value: 'gold' },
        uid: 'id',
      },
    }),
  );
  expect(attrs).toEqual([
    { name: 'mail', nameFormat: 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic', values: ['ada@example.test'] },
    { name: 'urn:oid:2.5.4.4', nameFormat: 'urn:oasis:names:tc:SAML:2.0:attrname-format:uri', values: [] },
    { name: 'memberOf', nameFormat: 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic', values: ['analysts', 'engines'] },
    { name: 'org', nameFormat: 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic', values: ['acme'] },
    { name: 'tier', nameFormat: 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic', values: ['gold'] },
    { name: 'uid', nameFormat: 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic', values: ['u-1'] },
  ]);
  expect(() => spSettingsSchema.parse({ attributes: { 'bad name': 'email' } })).toThrow();
  expect(() => spSettingsSchema.parse({ attributes: { mail: 'password' } })).toThrow();
});

test('authentication context: multi-factor when amr says mfa or the acr says so, else password', () => {
  expect(authnContextFor(['pwd'], 'urn:wayfinder:acr:pwd')).toBe('urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport');
  expect(authnContextFor(['pwd', 'otp', 'mfa'], 'urn:wayfinder:acr:mfa')).toBe('https://refeds.org/profile/mfa');
  expect(authnContextFor(['pwd'], 'urn:wayfinder:acr:mfa')).toBe('https://refeds.org/profile/mfa');
});
