/**
 * The SCIM 2.0 endpoints at `${issuer}/scim/v2` (HTTP only: authenticate, parse, call, respond):
 *   /ServiceProviderConfig, /ResourceTypes, /Schemas   self-description (no token needed)
 *   /Users, /Users/:id, /Groups, /Groups/:id           GET (list with filter and sort), POST, PUT, PATCH, DELETE
 *   /Users/.search, /Groups/.search                    POST: the same list query as a JSON SearchRequest
 *   /.search                                           501 (no search across resource types)
 * Every answer is application/scim+json; every error is SCIM's error body (with scimType where
 * the RFC names one), never a page and never a bare 500; bodies are limited in size; ETags on
 * single resources; If-Match honoured on PUT, PATCH and DELETE.
 */
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { z } from 'zod';
import { guard } from '../http/guard.js';
import { pathParams } from '../http/route-fields.js';
import { AppError } from '../lib/errors.js';
import { resourceTypes, schemas, serviceProviderConfig } from './discovery.js';
import { errorBody, notFound, notImplemented, ScimError, tooManyFailures, unauthorized } from './errors.js';
import type { ClientAuthThrottle } from '../login/throttle.js';
import type { ProvisionedGroups } from './groups.js';
import type { FailureNotifier } from './notify.js';
import { patchSchema } from './patch.js';
import { listQuery, listResponse, projectionQuery, SCIM_JSON, searchRequest } from './representation.js';
import type { ScimTokens } from './tokens.js';
import type { Actor, ProvisionedUsers } from './users.js';

declare module 'koa' {
  interface DefaultState {
    /** The organization a SCIM request acts in, and who it is (set by the SCIM token check). */
    scim?: { orgId: string; actor: Actor };
    /** The organization of a refused token it had (revoked, or the organization disabled). */
    scimRefusedOrg?: string;
  }
}

export interface ScimRouteDeps {
  users: ProvisionedUsers;
  groups: ProvisionedGroups;
  tokens: ScimTokens;
  /** Another credential (an OAuth access token with the `scim` scope), when configured. */
  authenticateAccessToken?: (token: string) => Promise<{ orgId: string; clientId: string } | undefined>;
  baseUrl: string;
  maxBodyBytes: number;
  onAuthFailure?: (ctx: Context) => Promise<void>;
  /**
   * Failed bearer tokens, counted per client address (and under the address's shared client-auth
   * counter): while blocked, every request from that address gets 429 with Retry-After before its
   * token is looked up, so guessing costs time and no database work.
   */
  throttle?: ClientAuthThrottle;
  /** Told how each request of an organization ended (notify.ts: mail when they keep failing). */
  failures?: Pick<FailureNotifier, 'succeeded' | 'failed'>;
}

/** The name SCIM bearer-token failures are counted under (no client id can contain spaces and parentheses both). */
const SCIM_SUBJECT = '(scim bearer token)';

function send(ctx: Context, status: number, body: unknown, version?: unknown) {
  ctx.status = status;
  ctx.body = body;
  ctx.type = SCIM_JSON;
  if (typeof version === 'string') ctx.set('ETag', version);
}

/** Errors as SCIM error bodies. */
async function scimErrors(ctx: Context, next: Next) {
  try {
    await next();
  } catch (raw) {
    const err = raw as Error & { status?: number; expose?: boolean };
    let status: number;
    let scimType: string | undefined;
    let detail = 'something went wrong on our side';
    if (err instanceof ScimError) {
      status = err.status;
      scimType = err.scimType;
      detail = err.message;
    } else if (err instanceof AppError && err.status < 500) {
      status = err.status;
      detail = err.message;
      scimType = status === 400 ? 'invalidSyntax' : undefined;
    } else if (typeof err.status === 'number' && err.status >= 400 && err.status < 500) {
      status = err.status;
      detail =
        status === 413
          ? 'the request body is too large'
          : status === 415
            ? 'send application/scim+json'
            : 'the request body is not valid JSON';
      scimType = status === 400 ? 'invalidSyntax' : undefined;
    } else {
      status = 500;
      ctx.state.log?.error({ err }, 'SCIM request failed');
      if ((err as { code?: string }).code === 'ECONNREFUSED') status = 503;
    }
    if (status === 401) ctx.set('WWW-Authenticate', 'Bearer realm="scim"');
    send(ctx, status, errorBody(status, detail, scimType));
  }
}

const ifMatch = (ctx: Context) => ctx.get('if-match') || undefined;
const object = z.record(z.string(), z.unknown());

/**
 * Every route's input through the guard (http/guard.ts), after the token check (an unauthenticated
 * request is a 401 whatever it carries); a refused input is a 400 `invalidSyntax` SCIM error (scimErrors).
 */
const byId = pathParams('id');
const G = {
  id: guard({ params: byId }),
  list: guard({ query: listQuery }),
  search: guard({ body: searchRequest }),
  create: guard({ body: object }),
  get: guard({ params: byId, query: projectionQuery }),
  replace: guard({ params: byId, body: object }),
  patch: guard({ params: byId, body: patchSchema }),
};

/** After the answer: tells the notifier how a request of an organization ended; never changes the answer. */
const outcomes = (failures: ScimRouteDeps['failures']) => async (ctx: Context, next: Next) => {
  await next();
  const orgId = ctx.state.scim?.orgId ?? ctx.state.scimRefusedOrg;
  if (!failures || !orgId) return;
  try {
    if (ctx.status < 400) return await failures.succeeded(orgId);
    const scimType = (ctx.body as { scimType?: unknown } | undefined)?.scimType;
    await failures.failed(orgId, {
      status: ctx.status,
      ...(typeof scimType === 'string' ? { scimType } : {}),
      method: ctx.method,
      path: ctx.path.slice(0, 300),
    });
  } catch (err) {
    ctx.state.log?.error({ err }, 'SCIM failure notification: state not recorded');
  }
};

export function scimRoutes(d: ScimRouteDeps) {
  const router = new Router({ prefix: '/scim/v2' });
  router.use(outcomes(d.failures));
  router.use(scimErrors);
  router.use(async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    await next();
  });
  router.use(
    bodyParser({
      enableTypes: ['json'],
      extendTypes: { json: ['application/scim+json'] },
      jsonLimit: `${d.maxBodyBytes}b`,
      onError: (err: Error & { status?: number }) => {
        throw Object.assign(err, { status: err.status && err.status < 500 ? err.status : 400, expose: false });
      },
    }),
  );

  // Self-description: the same for every organization.
  router.get('/ServiceProviderConfig', (ctx) => send(ctx, 200, serviceProviderConfig(d.baseUrl)));
  router.get('/ResourceTypes', (ctx) => send(ctx, 200, listResponse(resourceTypes(d.baseUrl), 2, 1)));
  router.get('/ResourceTypes/:id', G.id, (ctx) => {
    const { id } = G.id.input(ctx).params;
    const found = resourceTypes(d.baseUrl).find((t) => t.id === id);
    if (!found) throw notFound(`no resource type ${id}`);
    send(ctx, 200, found);
  });
  router.get('/Schemas', (ctx) => send(ctx, 200, listResponse(schemas(d.baseUrl), 3, 1)));
  router.get('/Schemas/:id', G.id, (ctx) => {
    const { id } = G.id.input(ctx).params;
    const found = schemas(d.baseUrl).find((t) => t.id === id);
    if (!found) throw notFound(`no schema ${id}`);
    send(ctx, 200, found);
  });

  // Everything else needs a token of the organization.
  const authenticated = async (ctx: Context, next: Next) => {
    const subject = { clientId: SCIM_SUBJECT, ip: ctx.ip };
    const checked = d.throttle ? await d.throttle.check(subject) : undefined;
    if (checked && checked.wait > 0) {
      ctx.set('Retry-After', String(checked.wait));
      throw tooManyFailures(checked.wait);
    }
    const m = /^bearer\s+(\S+)\s*$/i.exec(ctx.get('authorization'));
    const token = m?.[1] ?? '';
    const byToken = token ? await d.tokens.authenticate(token) : undefined;
    if (byToken) {
      ctx.state.scim = { orgId: byToken.orgId, actor: { via: 'scim', tokenId: byToken.tokenId } };
      if (checked) await d.throttle?.success(subject, checked);
      return next();
    }
    const byAccessToken = token && d.authenticateAccessToken ? await d.authenticateAccessToken(token) : undefined;
    if (byAccessToken) {
      ctx.state.scim = { orgId: byAccessToken.orgId, actor: { via: 'scim', tokenId: `client:${byAccessToken.clientId}` } };
      if (checked) await d.throttle?.success(subject, checked);
      return next();
    }
    await d.throttle?.failure(subject);
    await d.onAuthFailure?.(ctx);
    if (token && d.failures) ctx.state.scimRefusedOrg = await d.tokens.refusedOrg(token);
    throw unauthorized(token ? 'the token is not valid (unknown, revoked or expired)' : 'a bearer token is required');
  };
  const org = (ctx: Context) => ctx.state.scim!.orgId;
  const actor = (ctx: Context) => ctx.state.scim!.actor;

  router.get('/Users', authenticated, G.list, async (ctx) => send(ctx, 200, await d.users.list(org(ctx), G.list.input(ctx).query)));
  router.post('/Users/.search', authenticated, G.search, async (ctx) =>
    send(ctx, 200, await d.users.list(org(ctx), G.search.input(ctx).body)),
  );
  router.post('/Users', authenticated, G.create, async (ctx) => {
    const user = await d.users.create(ctx, actor(ctx), org(ctx), G.create.input(ctx).body);
    ctx.set('Location', String((user.meta as { location: string }).location));
    send(ctx, 201, user, (user.meta as { version: string }).version);
  });
  router.get('/Users/:id', authenticated, G.get, async (ctx) => {
    const { params, query } = G.get.input(ctx);
    const user = await d.users.get(org(ctx), params.id, query);
    send(ctx, 200, user, (user.meta as { version?: string } | undefined)?.version);
  });
  router.put('/Users/:id', authenticated, G.replace, async (ctx) => {
    const { params, body } = G.replace.input(ctx);
    const user = await d.users.replace(ctx, actor(ctx), org(ctx), params.id, body, ifMatch(ctx));
    send(ctx, 200, user, (user.meta as { version: string }).version);
  });
  router.patch('/Users/:id', authenticated, G.patch, async (ctx) => {
    const { params, body } = G.patch.input(ctx);
    const user = await d.users.patch(ctx, actor(ctx), org(ctx), params.id, body.Operations, ifMatch(ctx));
    send(ctx, 200, user, (user.meta as { version: string }).version);
  });
  router.delete('/Users/:id', authenticated, G.id, async (ctx) => {
    const { params } = G.id.input(ctx);
    await d.users.remove(ctx, actor(ctx), org(ctx), params.id, ifMatch(ctx));
    ctx.status = 204;
  });

  router.get('/Groups', authenticated, G.list, async (ctx) => send(ctx, 200, await d.groups.list(org(ctx), G.list.input(ctx).query)));
  router.post('/Groups/.search', authenticated, G.search, async (ctx) =>
    send(ctx, 200, await d.groups.list(org(ctx), G.search.input(ctx).body)),
  );
  // A search across every resource type at the root would merge two differently sorted lists: not offered.
  router.post('/.search', authenticated, () => {
    throw notImplemented('search /Users/.search or /Groups/.search; a search across resource types is not supported');
  });
  router.post('/Groups', authenticated, G.create, async (ctx) => {
    const group = await d.groups.create(ctx, actor(ctx), org(ctx), G.create.input(ctx).body);
    ctx.set('Location', String((group.meta as { location: string }).location));
    send(ctx, 201, group, (group.meta as { version: string }).version);
  });
  router.get('/Groups/:id', authenticated, G.get, async (ctx) => {
    const { params, query } = G.get.input(ctx);
    const group = await d.groups.get(org(ctx), params.id, query);
    send(ctx, 200, group, (group.meta as { version?: string } | undefined)?.version);
  });
  router.put('/Groups/:id', authenticated, G.replace, async (ctx) => {
    const { params, body } = G.replace.input(ctx);
    const group = await d.groups.replace(ctx, actor(ctx), org(ctx), params.id, body, ifMatch(ctx));
    send(ctx, 200, group, (group.meta as { version: string }).version);
  });
  router.patch('/Groups/:id', authenticated, G.patch, async (ctx) => {
    const { params, body } = G.patch.input(ctx);
    const version = await d.groups.patch(ctx, actor(ctx), org(ctx), params.id, body.Operations, ifMatch(ctx));
    ctx.set('ETag', `W/"${version}"`);
    ctx.status = 204;
  });
  router.delete('/Groups/:id', authenticated, G.id, async (ctx) => {
    const { params } = G.id.input(ctx);
    await d.groups.remove(ctx, actor(ctx), org(ctx), params.id);
    ctx.status = 204;
  });

  router.all('/{*rest}', () => {
    throw notFound('no such SCIM endpoint');
  });
  return router;
}
