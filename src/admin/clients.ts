/**
 * Registering OIDC clients (the CLI's `client add | list | remove`; the bootstrap file writes
 * through the registry itself). Rules:
 * - entries are RFC 7591 metadata checked whole before anything is written; a problem names its
 *   place (`[1].redirect_uris[0]: Invalid URL`);
 * - clients are every organization's: only an operator registers, replaces or removes one (403);
 * - a generated secret is returned once; it and any given secret never reach the audit log;
 * - every change is an audit event (`admin.client_created|updated|removed`) with before and after.
 */
import type { Context } from 'koa';
import type { Audit } from '../audit/index.js';
import type { AppActor } from '../apps/admin.js';
import { formatIssuePath } from '../bootstrap/schema.js';
import { clientInputSchema, type ClientInput, type ClientRegistry } from '../clients/registry.js';
import { badRequest, forbidden, notFound } from '../lib/errors.js';

/** Metadata without its secret (what the audit log may hold). */
const publicPart = (m: Record<string, unknown> | undefined) => {
  if (!m) return undefined;
  const { client_secret: _secret, ...rest } = m;
  return rest;
};

export function createAdminClients(d: { clients: ClientRegistry; audit: Audit }) {
  const operatorOnly = (actor: AppActor) => {
    if (!actor.operator) throw forbidden('operator_only', 'only an operator registers or removes OIDC clients');
  };
  const record = (ctx: Context | undefined, actor: AppActor, type: string, clientId: string, data: Record<string, unknown>) =>
    d.audit.record(ctx, { type, outcome: 'success', clientId, actor: actor.who, data: { target: `oidc-${clientId}`, ...data } });

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

    /** Adds or replaces a client; `generatedSecret` is the only time a generated secret is seen. */
    async save(ctx: Context | undefined, actor: AppActor, input: ClientInput) {
      operatorOnly(actor);
      const before = publicPart(await d.clients.metadata(input.client_id));
      const { client_id, generatedSecret } = await d.clients.upsert(input);
      await record(ctx, actor, before ? 'admin.client_updated' : 'admin.client_created', client_id, {
        generatedSecret: Boolean(generatedSecret),
        ...(before ? { before } : {}),
        after: publicPart(await d.clients.metadata(client_id)),
      });
      return { clientId: client_id, existed: Boolean(before), generatedSecret };
    },

    list: () => d.clients.list(),

    async remove(ctx: Context | undefined, actor: AppActor, clientId: string) {
      operatorOnly(actor);
      const before = publicPart(await d.clients.metadata(clientId));
      if (!before || !(await d.clients.remove(clientId))) throw notFound('no_client', `no client with id ${clientId}`);
      await record(ctx, actor, 'admin.client_removed', clientId, { before });
    },
  };
}
export type AdminClients = ReturnType<typeof createAdminClients>;
