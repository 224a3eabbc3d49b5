/**
 * The one interface every social provider implements (one file per provider, listed in registry.ts):
 * a small preset over the OpenID Connect or OAuth 2.0 core (core/oidc-flow.ts) with a typed profile
 * and its mapping to a person. What a social sign-in may do with that person (link, sign up, trust
 * the email) is the social policy's (linking.ts), never a provider's.
 */
import type * as oidc from 'openid-client';
import { z } from 'zod';
import type { SocialConnectionTable } from '../../db/schema.js';
import type { FlowEnv } from '../core/oidc-flow.js';

export type SocialProviderKind = SocialConnectionTable['provider'];

const endpoint = z.url().optional();

/** Settings of one social connection (the bootstrap entry without id, provider, name, enabled and client_secret). */
export const socialSettings = z.strictObject({
  client_id: z.string().min(1).max(500),
  /** OIDC: the issuer to discover (Microsoft: may contain `{tenantid}` in the discovered metadata). */
  issuer: z.url().optional(),
  authorization_endpoint: endpoint,
  token_endpoint: endpoint,
  userinfo_endpoint: endpoint,
  jwks_uri: endpoint,
  scopes: z.array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/)).optional(),
  /** A first sign-in with no linked account may create one (off by default). */
  allow_sign_up: z.boolean().default(false),
  /** A first sign-in may link to the account with the same email when the provider says it is verified. */
  trust_verified_email: z.boolean().default(false),
  /** Apple: the team id and key id of the key that signs the client secret. */
  team_id: z.string().min(1).max(100).optional(),
  key_id: z.string().min(1).max(100).optional(),
  /** Microsoft: accept only this tenant (by default any tenant, issuer validated per tenant). */
  tenant_id: z.string().min(1).optional(),
});
export type SocialSettings = z.infer<typeof socialSettings>;

/** Who the provider says signed in, in Wayfinder's terms. */
export interface SocialPerson {
  /** Stable, provider-scoped subject (Microsoft: tenant id / object id; Facebook: the app-scoped id). */
  subject: string;
  email?: string;
  /** The provider says it verified the email. */
  emailVerified: boolean;
  name?: string;
  given_name?: string;
  family_name?: string;
}

/** A social connection as providers see it. */
export interface SocialConnection {
  id: string;
  provider: SocialProviderKind;
  name: string;
  enabled: boolean;
  settings: SocialSettings;
  /** Client secret (Apple: the PEM private key), unsealed. */
  secret?: string;
  updatedAt: Date;
}

/** What a provider's own step gets when the protocol needs more than the core's defaults. */
export interface ProviderStep {
  conn: SocialConnection;
  env: FlowEnv;
  config: oidc.Configuration;
  /** The answer's parameters (query or form_post body) as a URL. */
  url: URL;
  body: Record<string, string>;
  remembered: Record<string, unknown>;
}

export interface SocialProvider<P> {
  provider: SocialProviderKind;
  /** oidc: an ID token with a nonce, the issuer discovered; oauth2: an access token and a profile API. */
  protocol: 'oidc' | 'oauth2';
  /** The provider's own endpoints; every one is overridable per connection. */
  defaults: { issuer?: string; authorization_endpoint?: string; token_endpoint?: string; userinfo_endpoint?: string };
  scopes: string[];
  /** Extra authorization parameters (Apple: response_mode=form_post). */
  params?: Record<string, string>;
  /** The answer arrives as a cross-site POST (form_post). */
  formPost?: boolean;
  /** The profile the provider returns (ID token claims, UserInfo, or profile API), typed. */
  profile: z.ZodType<P>;
  toPerson(profile: P): SocialPerson;
  /** A configuration problem the settings schema cannot see (a required setting), as a sentence. */
  problem?(s: SocialSettings): string | undefined;
  /** The client secret to send now (Apple: a short-lived ES256 JWT signed with the configured key). Default: the stored one. */
  clientSecret?(conn: SocialConnection): Promise<string>;
  /** The server metadata when plain discovery cannot be used (Microsoft's `{tenantid}` issuer). */
  metadata?(issuer: string, env: FlowEnv): Promise<oidc.ServerMetadata>;
  /** Redeems the answer and returns the raw profile, when the core's default does not fit. */
  redeem?(step: ProviderStep): Promise<Record<string, unknown>>;
  /** The brand mark on the sign-in button (inline SVG, trusted markup written here). */
  mark: string;
}

export type AnySocialProvider = SocialProvider<unknown>;
