/**
 * SCIM's self-description (RFC 7643 §5–7): ServiceProviderConfig, ResourceTypes and Schemas, built
 * from a compact list of the attributes this server stores.
 */
import { CORE_GROUP, CORE_USER, ENTERPRISE } from './filter.js';
import { MAX_RESULTS } from './representation.js';

type Attr = [
  name: string,
  type?: string,
  opts?: { multi?: boolean; required?: boolean; caseExact?: boolean; mutability?: string; uniqueness?: string; sub?: Attr[] },
];

const s = (name: string, opts?: Attr[2]): Attr => [name, 'string', opts];
const multi = (name: string, sub: Attr[] = [s('value'), s('display'), s('type'), ['primary', 'boolean']]): Attr => [
  name,
  'complex',
  { multi: true, sub },
];

const USER: Attr[] = [
  s('userName', { required: true, uniqueness: 'server' }),
  ['active', 'boolean'],
  s('displayName'),
  s('nickName'),
  s('title'),
  s('userType'),
  s('preferredLanguage'),
  s('locale'),
  s('timezone'),
  s('profileUrl'),
  [
    'name',
    'complex',
    { sub: [s('formatted'), s('familyName'), s('givenName'), s('middleName'), s('honorificPrefix'), s('honorificSuffix')] },
  ],
  multi('emails'),
  multi('phoneNumbers'),
  multi('roles'),
  multi('entitlements'),
  multi('ims'),
  multi('photos'),
  multi('x509Certificates'),
  multi('addresses', [
    s('formatted'),
    s('streetAddress'),
    s('locality'),
    s('region'),
    s('postalCode'),
    s('country'),
    s('type'),
    ['primary', 'boolean'],
  ]),
];
const ENTERPRISE_USER: Attr[] = [
  s('employeeNumber'),
  s('costCenter'),
  s('organization'),
  s('division'),
  s('department'),
  ['manager', 'complex', { sub: [s('value'), s('$ref'), s('displayName', { mutability: 'readOnly' })] }],
];
const GROUP: Attr[] = [
  s('displayName', { required: true, uniqueness: 'server' }),
  ['members', 'complex', { multi: true, sub: [s('value', { caseExact: true }), s('display', { mutability: 'readOnly' }), s('$ref')] }],
];

function describe([name, type = 'string', o = {}]: Attr): Record<string, unknown> {
  return {
    name,
    type,
    multiValued: Boolean(o.multi),
    required: Boolean(o.required),
    caseExact: Boolean(o.caseExact),
    mutability: o.mutability ?? 'readWrite',
    returned: 'default',
    uniqueness: o.uniqueness ?? 'none',
    ...(o.sub ? { subAttributes: o.sub.map(describe) } : {}),
  };
}

const schema = (id: string, name: string, attrs: Attr[], base: string) => ({
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
  id,
  name,
  attributes: attrs.map(describe),
  meta: { resourceType: 'Schema', location: `${base}/Schemas/${id}` },
});

export function schemas(base: string) {
  return [
    schema(CORE_USER, 'User', USER, base),
    schema(ENTERPRISE, 'EnterpriseUser', ENTERPRISE_USER, base),
    schema(CORE_GROUP, 'Group', GROUP, base),
  ];
}

export function resourceTypes(base: string) {
  const type = (id: string, endpoint: string, schemaId: string, extensions: string[]) => ({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
    id,
    name: id,
    endpoint,
    schema: schemaId,
    schemaExtensions: extensions.map((e) => ({ schema: e, required: false })),
    meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/${id}` },
  });
  return [type('User', '/Users', CORE_USER, [ENTERPRISE]), type('Group', '/Groups', CORE_GROUP, [])];
}

export function serviceProviderConfig(base: string) {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: MAX_RESULTS },
    changePassword: { supported: false },
    sort: { supported: true },
    etag: { supported: true },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description: 'A SCIM token of the organization (wayfinder scim token create)',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${base}/ServiceProviderConfig` },
  };
}
