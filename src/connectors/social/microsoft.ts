/**
 * Microsoft personal and work/school accounts through the `common` endpoint: OpenID Connect with
 * code + PKCE and a nonce; the issuer is validated per tenant (`tid`, core/tenant-issuer.ts); the
 * subject is (tid, oid), or `sub` when there is no oid — never the mutable email. The email counts
 * as verified only for personal accounts (Microsoft's consumer tenant) or when the tenant says the
 * domain owner verified it (`xms_edov`).
 */
import { z } from 'zod';
import { redeemPerTenant, templateMetadata } from '../core/tenant-issuer.js';
import type { SocialProvider } from './types.js';

/** The tenant of personal Microsoft accounts. */
export const CONSUMER_TENANT = '9188040d-6c67-4c5b-b112-36a304b66dad';

const microsoftProfile = z.looseObject({
  sub: z.string().min(1),
  tid: z.string().min(1),
  oid: z.string().min(1).optional(),
  email: z.string().optional(),
  preferred_username: z.string().optional(),
  xms_edov: z.union([z.boolean(), z.enum(['true', 'false', '1', '0'])]).optional(),
  name: z.string().optional(),
  given_name: z.string().optional(),
  family_name: z.string().optional(),
});
export type MicrosoftProfile = z.infer<typeof microsoftProfile>;

export const microsoft = {
  provider: 'microsoft',
  protocol: 'oidc',
  defaults: { issuer: 'https://login.microsoftonline.com/common/v2.0' },
  scopes: ['openid', 'email', 'profile'],
  profile: microsoftProfile,
  metadata: templateMetadata,
  redeem: ({ conn, env, config, url, remembered }) =>
    redeemPerTenant(config, env, {
      url,
      remembered,
      clientId: conn.settings.client_id,
      secret: conn.secret,
      redirectUri: String(remembered.redirectUri),
      allowedTenant: conn.settings.tenant_id,
    }),
  toPerson: (p) => {
    const edov = p.xms_edov === true || p.xms_edov === 'true' || p.xms_edov === '1';
    return {
      subject: p.oid ? `${p.tid}/${p.oid}` : p.sub,
      email: p.email?.toLowerCase(),
      emailVerified: Boolean(p.email) && (p.tid === CONSUMER_TENANT || edov),
      name: p.name,
      given_name: p.given_name,
      family_name: p.family_name,
    };
  },
  mark:
    '<svg viewBox="0 0 23 23" aria-hidden="true" width="20" height="20"><path fill="#F25022" d="M1' +
    ' 1h10v10H1z"/><path fill="#7FBA00" d="M12 1h10v10H12z"/>' +
    '<path fill="#00A4EF" d="M1 12h10v10H1z"/><path fill="#FFB900" d="M12 12h10v10H12z"/></svg>',
} satisfies SocialProvider<MicrosoftProfile>;
