/**
 * What an operator says about a SAML service provider besides its metadata (bootstrap file
 * `saml_service_providers`, and `wayfinder saml sp add`). Unknown keys are refused. Defaults: a
 * persistent (opaque, per-SP) NameID, response and assertion both signed, no encryption, no
 * IdP-initiated sign-in, no SHA-1.
 */
import { z } from 'zod';

export const NAMEID_FORMATS = {
  persistent: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
  emailAddress: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
  transient: 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient',
  unspecified: 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
} as const;
export type NameIdFormat = keyof typeof NAMEID_FORMATS;

/** Where an attribute's values come from: a field of the person, or a constant (`{ value }`). */
export const ATTRIBUTE_SOURCES = ['email', 'name', 'given_name', 'family_name', 'groups', 'organizations', 'id'] as const;
export type AttributeSource = (typeof ATTRIBUTE_SOURCES)[number];

const attributeName = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[^\s<>&"']+$/, 'no spaces, quotes, <, > or &');

export const spSettingsSchema = z.strictObject({
  nameid_format: z.enum(Object.keys(NAMEID_FORMATS) as [NameIdFormat, ...NameIdFormat[]]).default('persistent'),
  /** SAML attribute name → source. */
  attributes: z
    .record(attributeName, z.union([z.enum(ATTRIBUTE_SOURCES), z.strictObject({ value: z.string().max(1000) })]))
    .default({ email: 'email', name: 'name', given_name: 'given_name', family_name: 'family_name' }),
  sign: z.enum(['response', 'assertion', 'both']).default('both'),
  encrypt_assertion: z.boolean().default(false),
  allow_idp_initiated: z.boolean().default(false),
  display_name: z.string().min(1).max(200).optional(),
  launch_url: z.url().optional(),
  allow_sha1: z.boolean().default(false),
});
export type SpSettings = z.infer<typeof spSettingsSchema>;

/** One entry of `saml_service_providers`: the metadata (inline or a file) and the settings. */
export const spInputSchema = spSettingsSchema
  .extend({
    metadata: z.string().min(1).optional(),
    metadata_file: z.string().min(1).optional(),
  })
  .refine((e) => Boolean(e.metadata) !== Boolean(e.metadata_file), { message: 'give exactly one of metadata and metadata_file' });
export type SpInput = z.input<typeof spInputSchema>;
