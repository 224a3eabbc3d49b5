/** The declarative bootstrap file (IDP_BOOTSTRAP): its shape, with unknown keys refused. */
import { z } from 'zod';
import { clientInputSchema, MIN_CLIENT_SECRET_LENGTH, resourceInputSchema } from '../clients/registry.js';
import { twoStepPolicySchema } from '../factors/admin.js';
import { companyIdBootstrapFields } from '../connectors/bootstrap.js';
import { spInputSchema } from '../saml/settings.js';
import { totpSecretProblem } from '../factors/totp.js';
import { socialBootstrapFields } from '../connectors/social/bootstrap.js';
import { adminClientField } from '../admin/bootstrap.js';
import { provisioningBootstrapFields } from '../provisioning/bootstrap.js';
import { emailSchema } from '../accounts/users.js';
import { clientLauncherFields, spLauncherFields } from '../apps/bootstrap.js';
import { brandingBootstrapField } from '../branding/bootstrap.js';

export const bootstrapSchema = z.strictObject({
  /** The deployment's branding (src/branding/bootstrap.ts); organizations, clients and SAML SPs may each have their own. */
  ...brandingBootstrapField,
  organizations: z
    .array(
      z.strictObject({
        slug: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'lowercase letters, digits and dashes'),
        name: z.string().min(1).max(200),
        members: z
          .array(
            z
              .strictObject({
                email: emailSchema,
                role: z.enum(['member', 'admin', 'support']).default('member'),
                /** An administrator who keeps password + second factor when the organization is SSO only. */
                break_glass: z.boolean().default(false),
              })
              .refine((m) => !m.break_glass || m.role === 'admin', {
                message: 'only an admin can be a break-glass administrator',
                path: ['break_glass'],
              }),
          )
          .default([]),
        groups: z.array(z.strictObject({ name: z.string().min(1).max(100), members: z.array(emailSchema).default([]) })).default([]),
        two_step: twoStepPolicySchema.optional(),
        /** Cap on open ad hoc support sessions (default: support.orgLimit in the configuration). */
        support_session_limit: z.number().int().min(1).max(1000).optional(),
        /** Company ID: domains, connections, SSO only (src/connectors/bootstrap.ts). */
        ...companyIdBootstrapFields,
        /** SCIM: where provisioning-error mail goes (src/provisioning/bootstrap.ts). */
        ...provisioningBootstrapFields,
        ...brandingBootstrapField,
      }),
    )
    .default([]),
  users: z
    .array(
      z.strictObject({
        email: z.email(),
        password: z.string().optional(),
        name: z.string().max(200).optional(),
        given_name: z.string().max(100).optional(),
        family_name: z.string().max(100).optional(),
        locale: z.string().max(10).optional(),
        email_verified: z.boolean().default(true),
        status: z.enum(['active', 'disabled']).default('active'),
        /** An authenticator-app secret carried over from another identity provider (base32). */
        /** At least 80 bits (16 base32 characters), as RFC 4226 requires. */
        totp_secret: z
          .string()
          .regex(/^[A-Z2-7]{16,128}=*$/, 'a base32 TOTP secret of at least 80 bits (16 characters)')
          .superRefine((s, ctx) => {
            const problem = totpSecretProblem(s);
            if (problem) ctx.addIssue({ code: 'custom', message: `this TOTP secret is ${problem}` });
          })
          .optional(),
      }),
    )
    .default([]),
  clients: z
    .array(
      clientInputSchema
        /**
         * Lets the client call the admin API (src/admin/bootstrap.ts). Launcher keys (src/apps/bootstrap.ts):
         * initiate_login_uri, target_link_uri, logo_uri, trial_uri, client_name#<lang>, and
         * access: { organizations: [<org slug>...], groups: ["<org slug>/<group>" or "<group>"...] }
         * (absent: everyone; a plain group name is that group in the listed organizations, or in any).
         */
        .safeExtend({ admin: adminClientField.optional(), ...clientLauncherFields, ...brandingBootstrapField })
        .refine((c) => c.client_secret === undefined || c.client_secret.length >= MIN_CLIENT_SECRET_LENGTH, {
          path: ['client_secret'],
          message: `a client secret needs at least ${MIN_CLIENT_SECRET_LENGTH} characters (leave it out to have one generated)`,
        }),
    )
    .default([]),
  resource_servers: z.array(resourceInputSchema).default([]),
  /**
   * SAML service providers: `metadata` (XML) or `metadata_file` (relative to this file), plus settings,
   * plus the launcher keys of clients (initiate_login_uri, logo_uri, trial_uri, display_name#<lang>, access).
   */
  saml_service_providers: z.array(spInputSchema.safeExtend({ ...spLauncherFields, ...brandingBootstrapField })).default([]),
  /** Social sign-in providers (src/connectors/social/bootstrap.ts), in the order of their buttons. */
  ...socialBootstrapFields,
});
export type Bootstrap = z.input<typeof bootstrapSchema>;

export function formatIssuePath(path: PropertyKey[]) {
  return path.reduce<string>((out, p) => (typeof p === 'number' ? `${out}[${p}]` : out ? `${out}.${String(p)}` : String(p)), '');
}
