/**
 * Any OpenID Connect provider with discovery (password managers, other identity providers): the
 * connection names its issuer; the subject is `sub`; the email counts as verified only when the
 * provider says `email_verified: true`.
 */
import { z } from 'zod';
import type { SocialProvider } from './types.js';

const oidcProfile = z.looseObject({
  sub: z.string().min(1),
  email: z.string().optional(),
  email_verified: z.union([z.boolean(), z.string()]).optional(),
  name: z.string().optional(),
  given_name: z.string().optional(),
  family_name: z.string().optional(),
});
export type OidcProfile = z.infer<typeof oidcProfile>;

export const genericOidc = {
  provider: 'oidc',
  protocol: 'oidc',
  defaults: {},
  scopes: ['openid', 'email', 'profile'],
  profile: oidcProfile,
  problem: (s) => (s.issuer ? undefined : 'an OpenID Connect provider needs its issuer'),
  toPerson: (p) => ({
    subject: p.sub,
    email: p.email?.toLowerCase(),
    emailVerified: p.email_verified === true || p.email_verified === 'true',
    name: p.name,
    given_name: p.given_name,
    family_name: p.family_name,
  }),
  mark:
    '<svg viewBox="0 0 24 24" aria-hidden="true" width="20" height="20"><circle cx="8" cy="12" r="4.5"' +
    ' fill="none" stroke="currentColor" stroke-width="2"/>' +
    '<path d="M12.5 12H22v3M18 12v3" fill="none" stroke="currentColor" stroke-width="2"/></svg>',
} satisfies SocialProvider<OidcProfile>;
