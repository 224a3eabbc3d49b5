/**
 * Company ID administration shared by the CLI and the bootstrap file: organizations' domains,
 * connections given as one flat entry (its kind's settings beside id, kind, name, enabled, the OIDC
 * client secret and the SAML metadata inline, from a file or from a URL), and SSO-only.
 * Rules: entries are validated whole before anything is written; an unknown key is an error with
 * its path; SSO-only follows src/orgs/sso-only.ts (a test sign-in first).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { badRequest } from '../lib/errors.js';
import type { Services } from '../services.js';
import { createDomains, systemDns } from '../orgs/domains.js';
import { setSsoOnly } from '../orgs/sso-only.js';
import { createSamlAdmin } from '../saml/index.js';
import { connectionIdSchema, createConnections, type ConnectionInput } from './connections.js';
import { connectorOf, CONNECTORS } from './registry.js';
import { createConnectorStore } from './store.js';
import { createGuardedFetch } from './fetch.js';
import { createMetadataRefresher } from './saml-metadata.js';

const ENVELOPE = ['id', 'kind', 'name', 'enabled', 'client_secret', 'metadata', 'metadata_file'] as const;

/** One connection as written in a bootstrap file or a CLI --file: envelope keys plus the kind's settings. */
export const connectionEntrySchema = z
  .looseObject({
    id: connectionIdSchema,
    kind: z.enum(Object.keys(CONNECTORS) as [keyof typeof CONNECTORS, ...Array<keyof typeof CONNECTORS>]),
    name: z.string().min(1).max(200),
    enabled: z.boolean().default(true),
    /** OIDC: the client secret Wayfinder authenticates with (sealed at rest). */
    client_secret: z.string().min(1).optional(),
    /** SAML: the IdP metadata XML inline, or a file holding it (relative to the bootstrap file). */
    metadata: z.string().min(1).optional(),
    metadata_file: z.string().min(1).optional(),
  })
  .superRefine((entry, ctx) => {
    const settings = Object.fromEntries(Object.entries(entry).filter(([k]) => !(ENVELOPE as readonly string[]).includes(k)));
    const parsed = connectorOf(entry.kind)?.settings.safeParse(settings);
    for (const issue of parsed?.error?.issues ?? []) {
      ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    }
    if (entry.metadata && entry.metadata_file)
      ctx.addIssue({ code: 'custom', path: ['metadata_file'], message: 'give metadata or metadata_file, not both' });
  });
export type ConnectionEntry = z.infer<typeof connectionEntrySchema>;

export function companyAdmin(services: Services) {
  const store = createConnectorStore(services.db);
  let validator: ReturnType<typeof createSamlAdmin>['validator'] | undefined;
  const xml = () => (validator ??= createSamlAdmin(services).validator);
  const connections = createConnections(store, services.box, xml);
  const domains = createDomains(services.orgs, systemDns(services.config.federation));

  return {
    store,
    connections,
    domains,

    /**
     * Saves a validated entry for an organization (metadata_file read relative to `baseDir`). With
     * `fetchMetadata`, SAML metadata given by URL is fetched at once (else the server's schedule
     * does it); a failed fetch is returned, not thrown.
     */
    async saveEntry(
      orgId: string,
      entry: ConnectionEntry,
      baseDir = process.cwd(),
      opts: { fetchMetadata?: boolean; createOnly?: boolean } = {},
    ) {
      const settings = Object.fromEntries(Object.entries(entry).filter(([k]) => !(ENVELOPE as readonly string[]).includes(k)));
      let metadata = entry.metadata;
      if (entry.metadata_file) {
        try {
          metadata = readFileSync(path.resolve(baseDir, entry.metadata_file), 'utf8');
        } catch {
          throw badRequest('bad_file', `connection ${entry.id}: cannot read metadata_file ${entry.metadata_file}`);
        }
      }
      const input: ConnectionInput = {
        id: entry.id,
        orgId,
        kind: entry.kind,
        name: entry.name,
        enabled: entry.enabled,
        settings,
        ...(entry.client_secret !== undefined ? { secret: entry.client_secret } : {}),
        ...(metadata !== undefined ? { metadata } : {}),
      };
      const outcome = await connections.save(input, { createOnly: opts.createOnly });
      const url = settings.metadata_url;
      if (opts.fetchMetadata && entry.kind === 'saml' && typeof url === 'string' && metadata === undefined) {
        const refresher = createMetadataRefresher({
          store,
          fetch: createGuardedFetch(services.config.federation),
          validator: xml(),
          intervalSeconds: services.config.federation.metadataRefreshSeconds,
          log: services.log,
        });
        const fetched = await refresher.refresh(entry.id, url);
        return { outcome, metadataError: fetched.ok ? undefined : fetched.error };
      }
      return { outcome, metadataError: undefined };
    },

    setSsoOnly: (orgId: string, on: boolean, opts: { orPending?: boolean } = {}) => setSsoOnly({ store: services.orgs }, orgId, on, opts),
  };
}
export type CompanyAdmin = ReturnType<typeof companyAdmin>;
