/**
 * Who calls the admin API. Rules:
 * - a caller presents a JWT access token from client credentials, issued for the resource
 *   `${issuer}/api/admin/v1`; reads need `admin:read` (or `admin:write`), changes `admin:write`;
 * - the client must be registered as an admin client: of one organization, or an operator (every
 *   organization, which it names with `?org=<slug>` on organization routes);
 * - an organization administrator only ever reaches its own organization: another organization's
 *   resources are not found (404), never forbidden, so ids of other organizations are not revealed.
 */
import type { Context } from 'koa';
import { AppError } from '../lib/errors.js';
import type { AdminStore } from './store.js';
import { queryOf } from '../http/input.js';
import { queryText } from '../http/route-fields.js';
import { z } from 'zod';

export const ADMIN_SCOPES = { read: 'admin:read', write: 'admin:write' } as const;
export const adminResource = (issuer: string) => `${issuer}/api/admin/v1`;

export interface Actor {
  /** As the audit log names it: `client:<id>` (API) or `user:<id>` (admin center). */
  who: string;
  /** The organization an organization administrator administers; undefined for an operator. */
  orgId?: string;
  operator: boolean;
  canWrite: boolean;
}

export interface ActorDeps {
  issuer: string;
  store: AdminStore;
  verify: (token: string, audience: string, scope: string) => Promise<{ clientId: string; scope: string[] } | undefined>;
}

/** An operator's `?org=<slug>` (one value). */
const orgQuery = z.object({ org: queryText(100) });
const unauthorized = (message: string) => new AppError('invalid_token', 401, message);

export function createActors(d: ActorDeps) {
  const audience = adminResource(d.issuer);
  return {
    async authenticate(ctx: Context, write: boolean): Promise<Actor> {
      const m = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(ctx.get('authorization'));
      if (!m) {
        ctx.set('WWW-Authenticate', `Bearer realm="${audience}"`);
        throw unauthorized('an access token (Bearer) for the admin API is required');
      }
      const token = (await d.verify(m[1], audience, ADMIN_SCOPES.write)) ?? (await d.verify(m[1], audience, ADMIN_SCOPES.read));
      if (!token) {
        ctx.set('WWW-Authenticate', `Bearer realm="${audience}", error="invalid_token"`);
        throw unauthorized('the access token is not valid for the admin API');
      }
      if (write && !token.scope.includes(ADMIN_SCOPES.write)) {
        ctx.set('WWW-Authenticate', `Bearer realm="${audience}", error="insufficient_scope", scope="${ADMIN_SCOPES.write}"`);
        throw new AppError('insufficient_scope', 403, 'this operation needs the admin:write scope');
      }
      const client = await d.store.adminClient(token.clientId);
      if (!client) throw new AppError('not_an_admin_client', 403, 'this client is not allowed to administer anything');
      const actor = {
        who: `client:${client.client_id}`,
        orgId: client.org_id ?? undefined,
        operator: client.operator,
        canWrite: token.scope.includes(ADMIN_SCOPES.write),
      };
      ctx.state.adminActor = actor.who;
      return actor;
    },

    /** The organization a request acts on: the administrator's own, or the operator's `?org=`. */
    async organization(ctx: Context, actor: Actor): Promise<string> {
      if (!actor.operator) return actor.orgId!;
      const slug = queryOf(ctx, orgQuery).org ?? '';
      const org = slug ? await d.store.orgBySlug(slug) : undefined;
      if (!org)
        throw new AppError(
          slug ? 'not_found' : 'org_required',
          slug ? 404 : 400,
          slug ? 'no such organization' : 'operators name the organization with ?org=<slug>',
        );
      return org.id;
    },
  };
}

export type Actors = ReturnType<typeof createActors>;
