/**
 * OIDC clients and the APIs (resource servers) they may ask tokens for. Rules:
 * - metadata uses RFC 7591 names; unknown keys and bad values are refused with their path;
 * - client secrets are sealed at rest and opened only when oidc-provider loads the client (no slow
 *   hash on the token endpoint's hot path); a confidential client with no secret gets a generated one,
 *   and replacing a client without naming a secret keeps its current one;
 * - public clients (token_endpoint_auth_method: none) must use PKCE with S256 (see oidc/configuration).
 * - a short in-process cache keeps client lookups off the database on hot paths; it is bounded in age
 *   (a removed client stops working within cacheMs on every instance).
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { SecretBox } from '../lib/secretbox.js';
import { ttlCache } from '../lib/ttl-cache.js';
import { AppError } from '../lib/errors.js';
import type { ClientStore } from './store.js';

const PURPOSE = 'client-secret';
const uri = z.url();

/**
 * The shortest client secret a declared configuration (the bootstrap file) may set; generated ones
 * are 32 characters of base64url (192 bits).
 */
export const MIN_CLIENT_SECRET_LENGTH = 32;

export const clientInputSchema = z
  .strictObject({
    client_id: z.string().regex(/^[A-Za-z0-9._~-]{2,128}$/, 'letters, digits, . _ ~ - (2 to 128)'),
    client_secret: z.string().min(8).optional(),
    client_name: z.string().min(1).max(200).optional(),
    redirect_uris: z.array(uri).default([]),
    post_logout_redirect_uris: z.array(uri).optional(),
    grant_types: z
      .array(z.enum(['authorization_code', 'refresh_token', 'client_credentials', 'urn:ietf:params:oauth:grant-type:device_code']))
      .default(['authorization_code']),
    response_types: z.array(z.enum(['code', 'none'])).optional(),
    token_endpoint_auth_method: z
      .enum(['client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt', 'none'])
      .default('client_secret_basic'),
    application_type: z.enum(['web', 'native']).optional(),
    id_token_signed_response_alg: z.enum(['ES256', 'RS256']).optional(),
    backchannel_logout_uri: uri.optional(),
    backchannel_logout_session_required: z.boolean().optional(),
    scope: z.string().optional(),
    client_uri: uri.optional(),
    logo_uri: uri.optional(),
    initiate_login_uri: uri.optional(),
    jwks_uri: uri.optional(),
    /** Wayfinder extension: first-party apps skip the consent page. */
    first_party: z.boolean().default(false),
  })
  .refine((c) => !c.grant_types.includes('authorization_code') || c.redirect_uris.length > 0, {
    path: ['redirect_uris'],
    message: 'an authorization_code client needs at least one redirect URI',
  });
export type ClientInput = z.input<typeof clientInputSchema>;

export const resourceInputSchema = z.strictObject({
  identifier: z.url(),
  scopes: z.array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/)).default([]),
  access_token_ttl: z.number().int().min(60).max(86400).default(3600),
});
export type ResourceInput = z.input<typeof resourceInputSchema>;

export function createClientRegistry(store: ClientStore, box: SecretBox, cacheMs = 2000) {
  const cache = ttlCache<Record<string, unknown> | undefined>(cacheMs);
  const resources = ttlCache<Awaited<ReturnType<ClientStore['findResource']>>>(cacheMs);
  const firstParty = ttlCache<boolean>(cacheMs);

  /** The row to store for a client: its secret given, kept (a replacement naming none) or generated; sealed. */
  async function prepare(input: ClientInput) {
    const parsed = clientInputSchema.parse(input);
    const { client_id, client_secret, first_party, ...metadata } = parsed;
    const needsSecret = ['client_secret_basic', 'client_secret_post', 'client_secret_jwt'].includes(parsed.token_endpoint_auth_method);
    // Replacing a client without naming a secret keeps the one it has (re-applying a bootstrap file
    // must not break the app); only a confidential client with no secret yet gets a generated one.
    const kept = needsSecret && !client_secret ? ((await store.find(client_id))?.secret_enc ?? null) : null;
    const generatedSecret = needsSecret && !client_secret && !kept ? randomBytes(24).toString('base64url') : undefined;
    const secret = needsSecret ? (client_secret ?? generatedSecret) : undefined;
    const response_types = metadata.response_types ?? (parsed.grant_types.includes('authorization_code') ? ['code'] : []);
    const row = {
      client_id,
      first_party,
      metadata: { ...metadata, response_types },
      secret_enc: secret ? box.seal(secret, `${PURPOSE}:${client_id}`) : kept,
    };
    return { row, generatedSecret };
  }
  const forget = (clientId: string) => {
    cache.delete(clientId);
    firstParty.delete(clientId);
  };

  return {
    /** Adds or replaces a client. Returns the secret when one was generated (shown once). */
    async upsert(input: ClientInput): Promise<{ client_id: string; generatedSecret?: string }> {
      const { row, generatedSecret } = await prepare(input);
      await store.upsert(row);
      forget(row.client_id);
      return { client_id: row.client_id, generatedSecret };
    },

    /** Adds a new client (409 `already_registered` when its id exists, even one added meanwhile). `restrictTo`: see ClientStore.insertNew. */
    async register(input: ClientInput, opts: { restrictTo?: string } = {}): Promise<{ client_id: string; generatedSecret?: string }> {
      // A client that exists is refused below, so a kept secret is never written here.
      const { row, generatedSecret } = await prepare(input);
      if (!(await store.insertNew(row, opts.restrictTo)))
        throw new AppError('already_registered', 409, 'a client with this client_id is registered');
      forget(row.client_id);
      return { client_id: row.client_id, generatedSecret };
    },

    /** oidc-provider metadata for a client, secret included (adapter use only). */
    async metadata(clientId: string): Promise<Record<string, unknown> | undefined> {
      return cache.get(clientId, async () => {
        const row = await store.find(clientId);
        return row
          ? {
              ...row.metadata,
              client_id: row.client_id,
              ...(row.secret_enc ? { client_secret: box.open(row.secret_enc, `${PURPOSE}:${row.client_id}`) } : {}),
            }
          : undefined;
      });
    },

    /** Cached like `metadata` (every authorization asks). */
    isFirstParty: (clientId: string) => firstParty.get(clientId, async () => (await store.find(clientId))?.first_party ?? false),

    list: () => store.list(),

    listResources: () => store.listResources(),

    async remove(clientId: string) {
      forget(clientId);
      return store.remove(clientId);
    },

    async upsertResource(input: ResourceInput) {
      const parsed = resourceInputSchema.parse(input);
      await store.upsertResource(parsed);
      resources.delete(parsed.identifier);
    },

    findResource: (identifier: string) => resources.get(identifier, () => store.findResource(identifier)),
  };
}
export type ClientRegistry = ReturnType<typeof createClientRegistry>;
