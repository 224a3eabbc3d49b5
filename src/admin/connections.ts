/**
 * Adding company IdP connections of an organization and listing them (the CLI's `connection add |
 * list`; enabling, disabling and test links are in company.ts). Rules:
 * - an entry (the bootstrap file's form: id, kind, name, enabled, secret or metadata, and its kind's
 *   settings) is checked whole before anything is written, a problem named with its place;
 * - a connection id belongs to one organization: another organization's is refused
 *   (src/connectors/connections.ts), and an organization's administrator reaches only their own;
 * - secrets are sealed and never returned or audited; every save is an audit event
 *   (`admin.connection_saved`) with its outcome and before/after (kind, name, enabled).
 */
import type { Context } from 'koa';
import type { Audit } from '../audit/index.js';
import { formatIssuePath } from '../bootstrap/schema.js';
import { connectionEntrySchema, type CompanyAdmin } from '../connectors/admin.js';
import { badRequest } from '../lib/errors.js';
import type { OrgStore } from '../orgs/store.js';

interface Row {
  kind: string;
  name: string;
  enabled: boolean;
}
const stateOf = (c: Row | undefined) => c && { kind: c.kind, name: c.name, enabled: c.enabled };

export function createAdminConnections(d: { company: () => CompanyAdmin; orgs: OrgStore; audit: Audit }) {
  return {
    /** Saves an entry for the organization; `baseDir` resolves a metadata_file, `source` names the entry in an error. */
    async save(
      ctx: Context | undefined,
      orgId: string,
      raw: unknown,
      opts: { source: string; baseDir?: string; fetchMetadata?: boolean; createOnly?: boolean },
    ) {
      const parsed = connectionEntrySchema.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw badRequest('bad_connection', `${opts.source}: ${formatIssuePath(issue.path) || '(root)'}: ${issue.message}`);
      }
      const entry = parsed.data;
      const company = d.company();
      const existing = await company.store.findConnection(entry.id);
      const before = existing?.org_id === orgId ? stateOf(existing) : undefined;
      const { outcome, metadataError } = await company.saveEntry(orgId, entry, opts.baseDir, {
        fetchMetadata: opts.fetchMetadata,
        createOnly: opts.createOnly,
      });
      await d.audit.record(ctx, {
        type: 'admin.connection_saved',
        outcome: 'success',
        orgId,
        data: {
          orgId,
          target: entry.id,
          connectionId: entry.id,
          outcome,
          ...(before ? { before } : {}),
          after: stateOf(await company.store.findConnection(entry.id)),
        },
      });
      return { id: entry.id, kind: entry.kind, outcome, metadataError };
    },

    /** The connections of one organization, or of all (an operator), each with its organization's slug. */
    async list(orgId?: string) {
      const { store } = d.company();
      const rows = orgId ? await store.connectionsOf(orgId) : await store.listConnections();
      const slugs = new Map((await d.orgs.list()).map((o) => [o.id, o.slug]));
      return rows.map((c) => ({ ...c, org_slug: c.org_id ? (slugs.get(c.org_id) ?? null) : null }));
    },
  };
}
export type AdminConnections = ReturnType<typeof createAdminConnections>;
