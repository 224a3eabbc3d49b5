/**
 * SCIM 2.0 provisioning, assembled: the stores, the use-cases (users, groups, tokens: the SCIM
 * routes, the CLI and later the admin layer call the same ones) and the company sign-in matcher.
 */
import type { Services } from '../services.js';
import { createGroupStore } from './group-store.js';
import { createProvisionedGroups } from './groups.js';
import { createScimStore } from './store.js';
import { createScimTokens } from './tokens.js';
import { createProvisionedUsers } from './users.js';

export const scimBaseUrl = (issuer: string) => `${issuer}/scim/v2`;

export function createProvisioning(services: Services, signOutEverywhere: (userId: string) => Promise<number>) {
  const store = createScimStore(services.db);
  const baseUrl = scimBaseUrl(services.config.server.issuer);
  const { audit } = services;
  return {
    store,
    baseUrl,
    tokens: createScimTokens(store, audit),
    users: createProvisionedUsers({ store, accounts: services.accounts, orgs: services.orgs, audit, signOutEverywhere, baseUrl }),
    groups: createProvisionedGroups({ store: createGroupStore(services.db), audit, baseUrl }),
  };
}
export type Provisioning = ReturnType<typeof createProvisioning>;
