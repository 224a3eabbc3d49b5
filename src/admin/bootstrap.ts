/**
 * Admin clients from the bootstrap file: `clients[].admin: { organization: <slug> }` (that
 * organization's administrator) or `{ operator: true }` (every organization). Applying one registers
 * the admin API as a resource server (scopes admin:read, admin:write) when it is not one yet; the
 * client then asks the token endpoint for client credentials with `resource=${issuer}/api/admin/v1`.
 */
import { z } from 'zod';
import { AppError } from '../lib/errors.js';
import type { Services } from '../services.js';
import { ADMIN_SCOPES, adminResource } from './actor.js';
import { createAdminStore } from './store.js';

export const adminClientField = z.union([
  z.strictObject({ organization: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'an organization slug') }),
  z.strictObject({ operator: z.literal(true) }),
]);
export type AdminClientField = z.infer<typeof adminClientField>;

export async function applyAdminClient(services: Services, clientId: string, admin: AdminClientField) {
  const store = createAdminStore(services.db);
  let orgId: string | null = null;
  if ('organization' in admin) {
    const org = await store.orgBySlug(admin.organization);
    if (!org)
      throw new AppError(
        'unknown_organization',
        400,
        `admin.organization: no organization "${admin.organization}" in this file or the database`,
      );
    orgId = org.id;
  }
  const identifier = adminResource(services.config.server.issuer);
  const resource = await services.clients.findResource(identifier);
  const scopes = [ADMIN_SCOPES.read, ADMIN_SCOPES.write];
  if (!scopes.every((s) => resource?.scopes.includes(s)))
    await services.clients.upsertResource({
      identifier,
      scopes: [...new Set([...(resource?.scopes ?? []), ...scopes])],
      access_token_ttl: resource?.access_token_ttl ?? 600,
    });
  await store.setAdminClient(clientId, orgId);
}
