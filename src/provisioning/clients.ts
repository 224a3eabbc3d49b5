/**
 * OAuth 2.0 clients that provision an organization with client-credentials access tokens (for IdPs
 * that use them instead of a long-lived SCIM token). Rules:
 * - an operator (later an administrator) allows a registered client with the client_credentials
 *   grant to provision exactly one organization; allowing it registers the SCIM API as a resource
 *   server (identifier `${issuer}/scim/v2`, scope `scim`) when it is not one yet;
 * - the client asks the token endpoint for `scope=scim` with `resource=${issuer}/scim/v2` and gets a
 *   JWT access token; SCIM accepts it when src/oidc/access-tokens.ts verifies it (signature, issuer,
 *   audience, expiry, the `scim` scope) and the client is allowed for an active organization;
 * - a JWT cannot be revoked: removing the client here stops it at once, otherwise its tokens live
 *   out their (short) lifetime;
 * - allowing and removing are audited.
 */
import type { Context } from 'koa';
import type { Audit } from '../audit/index.js';
import type { ClientRegistry } from '../clients/registry.js';
import { badRequest, notFound } from '../lib/errors.js';
import type { ScimStore } from './store.js';
import type { Actor } from './users.js';

export const SCIM_SCOPE = 'scim';

export interface ScimClientDeps {
  store: ScimStore;
  clients: ClientRegistry;
  audit: Audit;
  baseUrl: string;
  /** Verifies one of our JWT access tokens for an audience and scope (src/oidc/access-tokens.ts); absent in the CLI. */
  verify?: (token: string, audience: string, scope: string) => Promise<{ clientId: string } | undefined>;
}

export function createScimClients(d: ScimClientDeps) {
  return {
    async allow(ctx: Context | undefined, actor: Actor, orgId: string, clientId: string) {
      const client = await d.clients.metadata(clientId);
      if (!client) throw notFound('no_client', `no client ${clientId}`);
      const grants = Array.isArray(client.grant_types) ? client.grant_types : [];
      if (!grants.includes('client_credentials'))
        throw badRequest('no_client_credentials', `client ${clientId} does not have the client_credentials grant`);
      const resource = await d.clients.findResource(d.baseUrl);
      if (!resource?.scopes.includes(SCIM_SCOPE)) {
        await d.clients.upsertResource({
          identifier: d.baseUrl,
          scopes: [...new Set([...(resource?.scopes ?? []), SCIM_SCOPE])],
          access_token_ttl: resource?.access_token_ttl ?? 600,
        });
      }
      await d.store.linkClient(orgId, clientId);
      await d.audit.record(ctx, {
        type: 'scim.client_allowed',
        outcome: 'success',
        clientId,
        userId: actor.userId,
        data: { orgId, via: actor.via },
      });
    },

    async remove(ctx: Context | undefined, actor: Actor, orgId: string, clientId: string) {
      if (!(await d.store.unlinkClient(orgId, clientId)))
        throw notFound('no_client', `client ${clientId} does not provision this organization`);
      await d.audit.record(ctx, {
        type: 'scim.client_removed',
        outcome: 'success',
        clientId,
        userId: actor.userId,
        data: { orgId, via: actor.via },
      });
    },

    list: (orgId: string) => d.store.clientsOf(orgId),

    /** The organization and client an access token stands for, or undefined. */
    async authenticate(token: string): Promise<{ orgId: string; clientId: string } | undefined> {
      const verified = d.verify && (await d.verify(token, d.baseUrl, SCIM_SCOPE));
      const orgId = verified && (await d.store.orgOfClient(verified.clientId));
      return verified && orgId ? { orgId, clientId: verified.clientId } : undefined;
    },
  };
}
export type ScimClients = ReturnType<typeof createScimClients>;
