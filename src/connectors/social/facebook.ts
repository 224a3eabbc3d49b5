/**
 * Facebook Login: OAuth 2.0 (code + PKCE, state) and the Graph API profile
 * (`/me?fields=id,name,email,first_name,last_name`) with `appsecret_proof` (HMAC-SHA256 of the
 * access token with the app secret) on every Graph call. There is no ID token: the identity is the
 * app-scoped `id`. Facebook does not say the email is verified, so it never counts as verified.
 */
import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { explain, finishCode } from '../core/oidc-flow.js';
import { fail } from '../errors.js';
import type { SocialProvider } from './types.js';

const GRAPH = 'https://graph.facebook.com/v19.0';

const facebookProfile = z.looseObject({
  id: z.string().min(1),
  name: z.string().optional(),
  email: z.string().optional(),
  first_name: z.string().optional(),
  last_name: z.string().optional(),
});
export type FacebookProfile = z.infer<typeof facebookProfile>;

export const facebook = {
  provider: 'facebook',
  protocol: 'oauth2',
  defaults: {
    authorization_endpoint: 'https://www.facebook.com/v19.0/dialog/oauth',
    token_endpoint: `${GRAPH}/oauth/access_token`,
    userinfo_endpoint: `${GRAPH}/me`,
  },
  scopes: ['email', 'public_profile'],
  profile: facebookProfile,
  async redeem({ conn, env, config, url, remembered }) {
    const { accessToken } = await finishCode(config, url, remembered, { idToken: false });
    if (!conn.secret) throw fail('bad_response', 'the Facebook app secret is not configured');
    const me = new URL(String(config.serverMetadata().userinfo_endpoint));
    me.search = new URLSearchParams({
      fields: 'id,name,email,first_name,last_name',
      appsecret_proof: createHmac('sha256', conn.secret).update(accessToken).digest('hex'),
    }).toString();
    try {
      const res = await env.fetch(me, { headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' } });
      const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
      if (!res.ok) throw fail(res.status >= 500 ? 'idp_unreachable' : 'bad_response', `Graph /me answered ${res.status}`);
      return json;
    } catch (err) {
      throw explain(err);
    }
  },
  toPerson: (p) => ({
    subject: p.id,
    email: p.email?.toLowerCase(),
    emailVerified: false,
    name: p.name,
    given_name: p.first_name,
    family_name: p.last_name,
  }),
  mark:
    '<svg viewBox="0 0 24 24" aria-hidden="true" width="20" height="20"><circle cx="12" cy="12" r="12" fill="#0866FF"/>' +
    '<path fill="#fff" d="M13.4 24v-8.6h2.9l.4-3.4h-3.3V9.9c0-1 .3-1.6 1.7-1.6h1.8v-3c-.3' +
    ' 0-1.4-.1-2.6-.1-2.6 0-4.3 1.6-4.3 4.4V12H7v3.4h3v8.6h3.4z"/></svg>',
} satisfies SocialProvider<FacebookProfile>;
