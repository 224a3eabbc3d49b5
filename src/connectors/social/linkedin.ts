/** LinkedIn: "Sign In with LinkedIn using OpenID Connect" (discovery, code + PKCE, nonce); the subject is `sub`. */
import { z } from 'zod';
import type { SocialProvider } from './types.js';

const linkedinProfile = z.looseObject({
  sub: z.string().min(1),
  email: z.string().optional(),
  email_verified: z.union([z.boolean(), z.enum(['true', 'false'])]).optional(),
  name: z.string().optional(),
  given_name: z.string().optional(),
  family_name: z.string().optional(),
});
export type LinkedinProfile = z.infer<typeof linkedinProfile>;

export const linkedin = {
  provider: 'linkedin',
  protocol: 'oidc',
  defaults: { issuer: 'https://www.linkedin.com/oauth' },
  scopes: ['openid', 'email', 'profile'],
  profile: linkedinProfile,
  toPerson: (p) => ({
    subject: p.sub,
    email: p.email?.toLowerCase(),
    emailVerified: p.email_verified === true || p.email_verified === 'true',
    name: p.name,
    given_name: p.given_name,
    family_name: p.family_name,
  }),
  mark:
    '<svg viewBox="0 0 24 24" aria-hidden="true" width="20" height="20"><rect width="24" height="24" rx="3" fill="#0A66C2"/>' +
    '<path fill="#fff" d="M7.1 9.4H4.6V19h2.5V9.4zM5.9 5a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zM19.4' +
    ' 13.6c0-2.6-1.4-4.4-3.9-4.4-1.3 0-2.2.7-2.6' +
    ' 1.4V9.4h-2.4V19H13v-5c0-1.3.5-2.3 1.8-2.3s1.7 1 1.7 2.4V19h2.5v-5.4z"/></svg>',
} satisfies SocialProvider<LinkedinProfile>;
