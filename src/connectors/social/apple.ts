/**
 * Sign in with Apple: OpenID Connect with code + PKCE and a nonce, answered by a cross-site POST
 * (`response_mode=form_post`, bound to our single-use state like the company callbacks). Rules:
 * - the client secret is an ES256 JWT Wayfinder signs with the configured key (the connection's
 *   secret, a PEM private key): iss = team id, kid = key id, sub = client id, aud = Apple, lifetime
 *   five minutes, renewed a minute before it ends;
 * - the name arrives only on the first sign-in (the `user` form field): it is part of the profile
 *   then, and the policy keeps it (link record, new account);
 * - the subject is `sub`; a private-relay address (`is_private_email`) is verified by Apple.
 */
import { importPKCS8, SignJWT } from 'jose';
import { z } from 'zod';
import { ttlCache } from '../../lib/ttl-cache.js';
import { answerUrl, finishCode } from '../core/oidc-flow.js';
import { fail } from '../errors.js';
import type { SocialConnection, SocialProvider } from './types.js';

const APPLE = 'https://appleid.apple.com';
const LIFETIME_SECONDS = 300;
const flag = z.union([z.boolean(), z.enum(['true', 'false'])]).optional();
const truthy = (v: boolean | 'true' | 'false' | undefined) => v === true || v === 'true';

const appleProfile = z.looseObject({
  sub: z.string().min(1),
  email: z.string().optional(),
  email_verified: flag,
  is_private_email: flag,
  /** From the first sign-in's `user` field only. */
  given_name: z.string().optional(),
  family_name: z.string().optional(),
});
export type AppleProfile = z.infer<typeof appleProfile>;

/** The `user` form field of a first sign-in: `{"name":{"firstName":"…","lastName":"…"},"email":"…"}`. */
const firstSignIn = z.object({
  name: z.object({ firstName: z.string().max(200).optional(), lastName: z.string().max(200).optional() }).optional(),
});

function nameOnce(field: string | undefined): z.infer<typeof firstSignIn> {
  try {
    return field ? firstSignIn.parse(JSON.parse(field)) : {};
  } catch {
    return {};
  }
}

const secrets = ttlCache<{ jwt: string; exp: number }>(LIFETIME_SECONDS * 1000, 1000);

async function clientSecret(conn: SocialConnection): Promise<string> {
  const s = conn.settings;
  if (!conn.secret || !s.team_id || !s.key_id)
    throw fail('bad_response', 'Sign in with Apple needs team_id, key_id and the private key as client_secret');
  const key = `${conn.id}:${conn.updatedAt.getTime()}`;
  let current = await secrets.get(key, () => sign(conn));
  if (current.exp - 60 < Date.now() / 1000) {
    secrets.delete(key);
    current = await secrets.get(key, () => sign(conn));
  }
  return current.jwt;
}

async function sign(conn: SocialConnection) {
  const s = conn.settings;
  let pk: CryptoKey;
  try {
    pk = await importPKCS8(conn.secret!, 'ES256');
  } catch {
    throw fail('bad_response', 'the configured Apple key is not an ES256 private key (PKCS#8 PEM)');
  }
  const iat = Math.floor(Date.now() / 1000);
  const jwt = await new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', kid: s.key_id! })
    .setIssuer(s.team_id!)
    .setSubject(s.client_id)
    .setAudience(s.issuer ?? APPLE)
    .setIssuedAt(iat)
    .setExpirationTime(iat + LIFETIME_SECONDS)
    .sign(pk);
  return { jwt, exp: iat + LIFETIME_SECONDS };
}

export const apple = {
  provider: 'apple',
  protocol: 'oidc',
  defaults: { issuer: APPLE },
  scopes: ['openid', 'name', 'email'],
  params: { response_mode: 'form_post' },
  formPost: true,
  profile: appleProfile,
  problem: (s) =>
    s.team_id && s.key_id ? undefined : 'Sign in with Apple needs team_id and key_id (and the private key as client_secret)',
  clientSecret,
  async redeem({ config, url, body, remembered }) {
    const params = Object.fromEntries(Object.entries(body).filter(([k]) => k !== 'user'));
    const { claims } = await finishCode(config, answerUrl(url, params), remembered, { idToken: true });
    const user = nameOnce(body.user);
    return { ...claims, given_name: user.name?.firstName?.trim() || undefined, family_name: user.name?.lastName?.trim() || undefined };
  },
  toPerson: (p) => {
    const name = [p.given_name, p.family_name].filter(Boolean).join(' ') || undefined;
    return {
      subject: p.sub,
      email: p.email?.toLowerCase(),
      emailVerified: Boolean(p.email) && (truthy(p.email_verified) || truthy(p.is_private_email)),
      name,
      given_name: p.given_name,
      family_name: p.family_name,
    };
  },
  mark:
    '<svg viewBox="0 0 24 24" aria-hidden="true" width="20" height="20"><path fill="currentColor"' +
    ' d="M16.4 12.6c0-2.5 2-3.7 2.1-3.8-1.2-1.7-3-1.9-3.6-2-1.5-.2-3' +
    ' .9-3.8.9-.8 0-2-.9-3.3-.8-1.7 0-3.2 1-4.1 2.5-1.8 3.1-.5 7.6 1.3 10.1.8 1.2 1.8 2.6 3.1 2.5 1.2 0' +
    ' 1.7-.8 3.2-.8s1.9.8 3.2.8c1.3 0 2.2-1.2 3-2.4.9-1.4' +
    ' 1.3-2.7 1.3-2.8 0 0-2.5-1-2.4-4.2zM14 5.2c.7-.8 1.1-1.9 1-3-1 0-2.1.7-2.8 1.5-.6.7-1.2 1.8-1 2.9 1.1.1 2.1-.6 2.8-1.4z"/></svg>',
} satisfies SocialProvider<AppleProfile>;
