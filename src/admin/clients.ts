/**
 * Registering OIDC clients (admin API, admin center and the CLI's `client add | list | remove`; the
 * bootstrap file writes through the registry itself). Rules:
 * - entries are RFC 7591 metadata checked whole before anything is written; a problem names its
 *   place (`[1].redirect_uris[0]: Invalid URL`);
 * - a client is an app (`oidc-<client_id>`) with the ownership of src/admin/app-owner.ts: an
 *   organization's administrator registers new clients, which are for their organization only from
 *   the first moment (in the same transaction), and replaces or removes only clients of their
 *   organization alone (404 not visible, 403 shared). Operators register, replace and remove any,
 *   and new ones they register are for everyone;
 * - what reaches beyond signing people in stays an operator's (403): client_credentials (a client
 *   acting as itself, e.g. on the admin or SCIM APIs), admin or SCIM scopes, first-party clients
 *   (no consent page), and any client registered as an admin client;
 * - the admin API and center register apps, i.e. clients that sign people in (authorization_code);
 *   machine-only clients come from the CLI or the bootstrap file;
 * - registering a client_id that exists is a 409 through the API (also when two race), an in-place
 *   update from the CLI; a replacement keeps its client_id and, unless given, its secret;
 * - a generated secret is returned once; it and any given secret never reach the audit log;
 * - every change is an audit event (`admin.client_created|updated|removed`) with before and after
 *   and the actor's organization.
 */
import type { Context } from 'koa';
import type { Audit } from '../audit/index.js';
import type { AppActor, AppAdmin, AppView } from '../apps/admin.js';
import type { AppStore } from '../apps/store.js';
import { formatIssuePath } from '../bootstrap/schema.js';
import { clientInputSchema, type ClientInput, type ClientRegistry } from '../clients/registry.js';
import { AppError, badRequest, forbidden, notFound } from '../lib/errors.js';
import { createAppOwner, scopeOf } from './app-owner.js';

/** Metadata without its secret (what the audit log may hold). */
const publicPart = (m: Record<string, unknown> | undefined) => {
  if (!m) return undefined;
  const { client_secret: _secret, ...rest } = m;
  return rest;
};

export interface ClientDeps {
  clients: ClientRegistry;
  audit: Audit;
  appStore: AppStore;
  apps: AppAdmin;
  /** Whether the client is registered as an admin API client (operator-only to change). */
  isAdminClient: (clientId: string) => Promise<boolean>;
  /** Who may use which app changed (the launcher's cache of open apps). */
  accessChanged: () => void;
}

type Mode = { appId: string } | { onExisting: 'refuse' | 'update' };

export function createAdminClients(d: ClientDeps) {
  const owner = createAppOwner(d.appStore);
  const operatorOnly = (message: string) => forbidden('operator_only', message);

  /** What an organization's administrator may not register (before anything is read or written). */
  function checkMetadata(actor: AppActor, raw: ClientInput, app: boolean) {
    // Checked whole first (a ZodError naming the field): the admin center's pasted JSON can be anything.
    const input = clientInputSchema.parse(raw);
    const grants = input.grant_types;
    // A public client has no credentials to present, so it cannot act as itself (oidc-provider refuses to load one).
    if (input.token_endpoint_auth_method === 'none' && grants.includes('client_credentials'))
      throw badRequest('public_client_credentials', 'a client_credentials client cannot be public (token_endpoint_auth_method: none)');
    if ((app || !actor.operator) && !grants.includes('authorization_code'))
      throw badRequest('not_an_app', 'an app signs people in (grant authorization_code); register machine clients with the CLI');
    if (actor.operator) return;
    if (grants.includes('client_credentials')) throw operatorOnly('only an operator registers client_credentials clients');
    if (input.first_party) throw operatorOnly('only an operator registers first-party clients (they skip the consent page)');
    if (/(^|\s)(admin:|scim)/.test(input.scope ?? '')) throw operatorOnly('only an operator gives a client admin or SCIM scopes');
  }

  /** The client app an actor may change: not visible → 404, shared → 403, an admin client → 403. */
  async function owned(actor: AppActor, appId: string) {
    const row = await owner.owned(actor, appId, 'oidc');
    if (!actor.operator && (await d.isAdminClient(row.ref))) throw operatorOnly('only an operator changes an admin API client');
    return row;
  }

  const record = (ctx: Context | undefined, actor: AppActor, type: string, clientId: string, data: Record<string, unknown>) =>
    d.audit.record(ctx, {
      type,
      outcome: 'success',
      clientId,
      orgId: actor.orgId ?? null,
      actor: actor.who,
      data: { target: `oidc-${clientId}`, ...data },
    });

  async function write(ctx: Context | undefined, actor: AppActor, input: ClientInput, mode: Mode) {
    checkMetadata(actor, input, 'appId' in mode || mode.onExisting === 'refuse');
    let appId = await d.appStore.idOf('oidc', input.client_id);
    if ('appId' in mode) {
      const row = await owned(actor, mode.appId);
      if (row.ref !== input.client_id)
        throw badRequest('client_id_mismatch', 'the metadata names another client_id; register it as a new app');
      appId = row.id;
    } else if (appId) {
      if (mode.onExisting === 'refuse') throw new AppError('already_registered', 409, 'a client with this client_id is registered');
      // An operator's CLI also updates machine clients, which are no apps to look up.
      if (!actor.operator) await owned(actor, appId);
    }
    const before = appId ? publicPart(await d.clients.metadata(input.client_id)) : undefined;
    const restrictTo = appId ? undefined : scopeOf(actor);
    const { client_id, generatedSecret } = appId ? await d.clients.upsert(input) : await d.clients.register(input, { restrictTo });
    if (restrictTo) d.accessChanged();
    await record(ctx, actor, before ? 'admin.client_updated' : 'admin.client_created', client_id, {
      generatedSecret: Boolean(generatedSecret),
      ...(before ? { before } : {}),
      after: publicPart(await d.clients.metadata(client_id)),
    });
    return { clientId: client_id, existed: Boolean(before), generatedSecret };
  }

  /** The app's view with a generated secret (shown this once). */
  async function asApp(actor: AppActor, saved: Awaited<ReturnType<typeof write>>): Promise<AppView & { client_secret?: string }> {
    const app = await d.apps.get(actor, `oidc-${saved.clientId}`);
    return saved.generatedSecret ? { ...app, client_secret: saved.generatedSecret } : app;
  }

  async function remove(ctx: Context | undefined, actor: AppActor, appId: string) {
    const row = await owned(actor, appId);
    const before = publicPart(await d.clients.metadata(row.ref));
    if (!before || !(await d.clients.remove(row.ref))) throw notFound('not_found', 'no such OIDC app');
    d.accessChanged();
    await record(ctx, actor, 'admin.client_removed', row.ref, { before });
    return { clientId: row.ref };
  }

  return {
    /** One entry or a list, checked whole; `source` names where they came from in an error. */
    parse(raw: unknown, source: string): ClientInput[] {
      const entries = Array.isArray(raw) ? (raw as unknown[]) : [raw];
      for (const [i, entry] of entries.entries()) {
        const parsed = clientInputSchema.safeParse(entry);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          const where = formatIssuePath(Array.isArray(raw) ? [i, ...issue.path] : issue.path);
          throw badRequest('bad_file', `${source}: ${where || '(root)'}: ${issue.message}`);
        }
      }
      return entries as ClientInput[];
    },

    /** Adds or replaces a client (the CLI); `generatedSecret` is the only time a generated secret is seen. */
    save: (ctx: Context | undefined, actor: AppActor, input: ClientInput) => write(ctx, actor, input, { onExisting: 'update' }),

    /** A new app (409 when its client_id is registered). */
    register: async (ctx: Context | undefined, actor: AppActor, input: ClientInput) =>
      asApp(actor, await write(ctx, actor, input, { onExisting: 'refuse' })),

    /** New metadata (same client_id; the secret kept unless given) for a client app. */
    replace: async (ctx: Context | undefined, actor: AppActor, appId: string, input: ClientInput) =>
      asApp(actor, await write(ctx, actor, input, { appId })),

    /** A client app's metadata without its secret (the admin center's replacement form starts from it). */
    async metadataOf(actor: AppActor, appId: string) {
      const row = await owned(actor, appId);
      const { client_id: _id, ...rest } = publicPart(await d.clients.metadata(row.ref)) ?? {};
      return { client_id: row.ref, ...rest };
    },

    list: () => d.clients.list(),

    /** Whether the actor may replace or remove an app (OIDC or SAML): the admin center shows its forms only then. */
    mayChange: (actor: AppActor, appId: string) => owner.mayChange(actor, appId),
    /** Every app the actor may change (one look-up for a whole list). */
    changeable: (actor: AppActor) => owner.changeable(actor),

    /** Removes a client app: it gets no more tokens (running instances refuse it within seconds). */
    removeApp: remove,

    /** By client_id (the CLI's `client remove`). */
    async remove(ctx: Context | undefined, actor: AppActor, clientId: string) {
      const appId = await d.appStore.idOf('oidc', clientId);
      if (!appId || !(await d.clients.metadata(clientId))) throw notFound('no_client', `no client with id ${clientId}`);
      if (actor.operator) {
        const before = publicPart(await d.clients.metadata(clientId));
        if (!(await d.clients.remove(clientId))) throw notFound('no_client', `no client with id ${clientId}`);
        d.accessChanged();
        await record(ctx, actor, 'admin.client_removed', clientId, { before });
        return;
      }
      await remove(ctx, actor, appId);
    },
  };
}
export type AdminClients = ReturnType<typeof createAdminClients>;
