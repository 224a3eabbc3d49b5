/**
 * Managing an organization's connections (CLI, bootstrap, later the admin API). Rules:
 * - a connection's id is a stable slug (it is part of its callback and SP metadata URLs);
 * - settings are validated by the connector of its kind (unknown keys refused);
 * - an OIDC client secret is sealed at rest and never printed back;
 * - changing a connection's configuration forgets its test sign-in (SSO-only needs a new one).
 */
import { z } from 'zod';
import type { SecretBox } from '../lib/secretbox.js';
import type { XmlValidator } from '../saml/validator.js';
import { badRequest, notFound } from '../lib/errors.js';
import { connectorOf, type ConnectionKind } from './registry.js';
import type { ConnectionRow, ConnectorStore } from './store.js';
import type { Connection } from './types.js';

export const connectionIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'lowercase letters, digits and dashes');

export interface ConnectionInput {
  id: string;
  orgId: string;
  kind: ConnectionKind;
  name: string;
  enabled?: boolean;
  settings: Record<string, unknown>;
  /** OIDC client secret (plain; sealed here). */
  secret?: string;
  /** SAML IdP metadata XML given inline. */
  metadata?: string;
}

export function createConnections(store: ConnectorStore, box: SecretBox, xml: () => XmlValidator) {
  const SECRET_PURPOSE = 'connection-secret';

  function toConnection(row: ConnectionRow): Connection {
    return {
      id: row.id,
      orgId: row.org_id,
      kind: row.kind,
      name: row.name,
      enabled: row.enabled,
      settings: row.settings,
      secret: row.secret_enc ? box.open(row.secret_enc, SECRET_PURPOSE) : undefined,
      metadata: row.metadata,
      updatedAt: row.updated_at,
    };
  }

  return {
    toConnection,

    async find(id: string): Promise<{ row: ConnectionRow; connection: Connection } | undefined> {
      const row = await store.findConnection(id);
      return row ? { row, connection: toConnection(row) } : undefined;
    },

    /** Validates and saves a connection; returns what happened. */
    async save(input: ConnectionInput, opts: { createOnly?: boolean } = {}) {
      const id = connectionIdSchema.parse(input.id);
      const connector = connectorOf(input.kind);
      if (!connector) throw badRequest('unknown_kind', `unknown connection kind "${input.kind}"`);
      const settings = connector.settings.parse(input.settings) as Record<string, unknown>;
      try {
        connector.validateStatic?.(settings, input.metadata ?? (await store.findConnection(id))?.metadata ?? undefined, xml());
      } catch (err) {
        throw badRequest('invalid_connection', `connection ${id}: ${(err as Error).message}`);
      }
      const existing = await store.findConnection(id);
      if (existing && existing.org_id !== input.orgId)
        throw badRequest('connection_taken', `the connection id ${id} belongs to another organization`);
      // A secret not given again keeps the sealed one (so re-applying a bootstrap file without it changes nothing).
      const secretEnc =
        input.secret !== undefined
          ? existing?.secret_enc && box.open(existing.secret_enc, SECRET_PURPOSE) === input.secret
            ? existing.secret_enc
            : box.seal(input.secret, SECRET_PURPOSE)
          : (existing?.secret_enc ?? (connector.generateSecret ? box.seal(await connector.generateSecret(id), SECRET_PURPOSE) : null));
      return store.upsertConnection(
        {
          id,
          org_id: input.orgId,
          kind: input.kind,
          name: input.name,
          enabled: input.enabled ?? true,
          settings,
          secret_enc: secretEnc,
          ...(input.metadata !== undefined ? { metadata: input.metadata } : {}),
        },
        opts,
      );
    },

    async setEnabled(id: string, enabled: boolean) {
      if (!(await store.findConnection(id))) throw notFound('no_connection', `no connection ${id}`);
      await store.setEnabled(id, enabled);
    },

    /** The enabled connections of an organization, for home realm discovery (id and display name). */
    async enabledOf(orgId: string) {
      return (await store.connectionsOf(orgId)).filter((c) => c.enabled && connectorOf(c.kind)).map((c) => ({ id: c.id, name: c.name }));
    },
  };
}
export type Connections = ReturnType<typeof createConnections>;
