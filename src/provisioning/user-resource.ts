/**
 * The SCIM User resource: what an IdP may send (validated; unknown attributes dropped, `"True"` and
 * `"False"` read as booleans as Entra ID sends them, a manager given as a bare id accepted), how it
 * maps onto the Wayfinder user (email, names, active), and how it is shown (meta, ETag version).
 * Attribute names are matched case-insensitively (see canonical()).
 */
import { z } from 'zod';
import { CORE_USER, ENTERPRISE } from './filter.js';
import { invalidValue } from './errors.js';
import type { ScimUserFields, ScimUserRow, UserFields } from './store.js';

export const boolish = z.preprocess(
  (v) => (typeof v === 'string' && /^(true|false)$/i.test(v) ? v.toLowerCase() === 'true' : v),
  z.boolean(),
);
const str = (max = 1024) => z.string().max(max);
const opt = (max?: number) => str(max).nullish();
const multiValued = z
  .array(
    z
      .object({
        value: z.string().max(1024).optional(),
        display: opt(),
        type: opt(64),
        primary: boolish.optional(),
      })
      .catchall(z.union([z.string().max(1024), boolish, z.null()])),
  )
  .max(50);

export const userSchema = z.object({
  userName: z.string().trim().min(1).max(256),
  externalId: opt(256),
  active: boolish.default(true),
  displayName: opt(),
  nickName: opt(),
  title: opt(),
  userType: opt(),
  preferredLanguage: opt(64),
  locale: opt(64),
  timezone: opt(64),
  profileUrl: opt(),
  name: z
    .object({
      formatted: opt(),
      familyName: opt(),
      givenName: opt(),
      middleName: opt(),
      honorificPrefix: opt(),
      honorificSuffix: opt(),
    })
    .nullish(),
  emails: z
    .array(z.object({ value: z.string().trim().max(254), type: opt(64), primary: boolish.optional(), display: opt() }))
    .max(20)
    .nullish(),
  phoneNumbers: multiValued.nullish(),
  addresses: multiValued.nullish(),
  roles: multiValued.nullish(),
  entitlements: multiValued.nullish(),
  ims: multiValued.nullish(),
  photos: multiValued.nullish(),
  x509Certificates: multiValued.nullish(),
  [ENTERPRISE]: z
    .object({
      employeeNumber: opt(),
      costCenter: opt(),
      organization: opt(),
      division: opt(),
      department: opt(),
      manager: z.preprocess(
        (v) => (typeof v === 'string' ? { value: v } : v),
        z.object({ value: opt(), $ref: opt(), displayName: opt() }).nullish(),
      ),
    })
    .nullish(),
});
export type UserDoc = z.output<typeof userSchema>;

/** Canonical attribute names (lower-case → as defined), for PATCH paths and attribute lists. */
const NAMES = [
  'userName',
  'externalId',
  'active',
  'displayName',
  'nickName',
  'title',
  'userType',
  'preferredLanguage',
  'locale',
  'timezone',
  'profileUrl',
  'name',
  'emails',
  'phoneNumbers',
  'addresses',
  'roles',
  'entitlements',
  'ims',
  'photos',
  'x509Certificates',
  'groups',
  'formatted',
  'familyName',
  'givenName',
  'middleName',
  'honorificPrefix',
  'honorificSuffix',
  'value',
  'display',
  'type',
  'primary',
  'employeeNumber',
  'costCenter',
  'organization',
  'division',
  'department',
  'manager',
  'displayName',
  'members',
  'id',
  'meta',
  'schemas',
  'streetAddress',
  'locality',
  'region',
  'postalCode',
  'country',
  ENTERPRISE,
];
const CANONICAL = new Map(NAMES.map((n) => [n.toLowerCase(), n]));
export const canonical = (name: string) => CANONICAL.get(name.toLowerCase()) ?? name;
export const MULTI_VALUED = new Set([
  'emails',
  'phoneNumbers',
  'addresses',
  'roles',
  'entitlements',
  'ims',
  'photos',
  'x509Certificates',
  'members',
]);

/** Validates a user document; a problem is a 400 `invalidValue` naming the attribute. */
export function parseUser(input: unknown): UserDoc {
  const parsed = userSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw invalidValue(`${issue.path.join('.') || 'the resource'}: ${issue.message}`);
}

const emailShaped = (s: string | null | undefined): s is string => Boolean(s && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s) && s.length <= 254);

/** The address the person signs in with: the primary email, else the work one, else the first, else an email-shaped userName. */
export function primaryEmail(doc: UserDoc): string {
  const emails = doc.emails ?? [];
  const chosen = emails.find((e) => e.primary) ?? emails.find((e) => e.type?.toLowerCase() === 'work') ?? emails[0];
  const email = chosen?.value ?? doc.userName;
  if (!emailShaped(email)) throw invalidValue('emails: the person needs an email address (a primary email, or a userName that is one)');
  return email.toLowerCase();
}

/** The Wayfinder user and SCIM record a document becomes. */
export function fieldsOf(doc: UserDoc): { user: UserFields; scim: ScimUserFields } {
  const email = primaryEmail(doc);
  const given = doc.name?.givenName ?? null;
  const family = doc.name?.familyName ?? null;
  const name = doc.displayName ?? doc.name?.formatted ?? ([given, family].filter(Boolean).join(' ') || null);
  const resource = Object.fromEntries(Object.entries(doc).filter(([, v]) => v !== undefined && v !== null));
  return {
    user: {
      email,
      name,
      given_name: given,
      family_name: family,
      locale: doc.locale ?? null,
      email_verified: true,
      status: doc.active ? 'active' : 'disabled',
    },
    scim: {
      user_name: doc.userName,
      external_id: doc.externalId ?? null,
      display_name: doc.displayName ?? null,
      active: doc.active,
      resource,
      emails_norm: (doc.emails ?? []).map((e) => ({
        value: e.value.toLowerCase(),
        ...(e.type ? { type: e.type.toLowerCase() } : {}),
        ...(e.primary ? { primary: true } : {}),
      })),
    },
  };
}

export const etagOf = (version: number) => `W/"${version}"`;

/** The resource as SCIM shows it. */
export function userResource(row: ScimUserRow, base: string): Record<string, unknown> {
  const { userName, externalId, active, ...rest } = row.resource as Partial<UserDoc> & Record<string, unknown>;
  return {
    schemas: rest[ENTERPRISE] ? [CORE_USER, ENTERPRISE] : [CORE_USER],
    id: row.user_id,
    ...(externalId ? { externalId } : {}),
    userName: userName ?? row.user_name,
    active: active ?? row.active,
    ...rest,
    meta: {
      resourceType: 'User',
      created: row.created_at.toISOString(),
      lastModified: row.updated_at.toISOString(),
      location: `${base}/Users/${row.user_id}`,
      version: etagOf(row.version),
    },
  };
}

/** The stored document of a row, as PATCH starts from it. */
export const docOf = (row: ScimUserRow): Record<string, unknown> => ({
  ...row.resource,
  userName: row.user_name,
  active: row.active,
  externalId: row.external_id,
});
