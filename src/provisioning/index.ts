/**
 * SCIM 2.0 provisioning, assembled: the stores, the use-cases (users, groups, tokens, OAuth clients
 * and the failure notifier: the SCIM routes, the CLI and later the admin layer call the same ones).
 */
import type { Services } from '../services.js';
import { createScimClients, type ScimClientDeps } from './clients.js';
import { createGroupStore } from './group-store.js';
import { createProvisionedGroups } from './groups.js';
import { notifierOf, type NotifyDeps } from './notify.js';
import { createScimStore } from './store.js';
import { createScimTokens } from './tokens.js';
import { createProvisionedUsers } from './users.js';

export const scimBaseUrl = (issuer: string) => `${issuer}/scim/v2`;

export function createProvisioning(
  services: Services,
  signOutEverywhere: (userId: string) => Promise<number>,
  verify?: ScimClientDeps['verify'],
  notify: Pick<NotifyDeps, 'mailer' | 'options'> = {},
) {
  const store = createScimStore(services.db);
  const baseUrl = scimBaseUrl(services.config.server.issuer);
  const { audit } = services;
  return {
    store,
    baseUrl,
    tokens: createScimTokens(store, audit),
    clients: createScimClients({ store, clients: services.clients, audit, baseUrl, verify }),
    users: createProvisionedUsers({ store, accounts: services.accounts, orgs: services.orgs, audit, signOutEverywhere, baseUrl }),
    groups: createProvisionedGroups({ store: createGroupStore(services.db), audit, baseUrl }),
    /** Mail to the organization's address when its SCIM requests keep failing. */
    notifier: notifierOf(services, notify),
    /** Purges people soft-deleted longer ago than the retention period (config accounts.deletedRetentionDays). */
    purgeDeleted: () => store.purgeDeleted(new Date(Date.now() - services.config.accounts.deletedRetentionDays * 86_400_000)),
  };
}
export type Provisioning = ReturnType<typeof createProvisioning>;
