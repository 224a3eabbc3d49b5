/**
 * Social providers in the bootstrap file: `social_providers: [{ provider, id, name, client_id,
 * client_secret, issuer?, authorization_endpoint?, token_endpoint?, userinfo_endpoint?,
 * allow_sign_up?, trust_verified_email?, … }]`. Idempotent like the rest of the bootstrap; the
 * order of the entries is the order of the buttons; a secret is sealed at rest.
 */
import { z } from 'zod';
import type { Services } from '../../services.js';
import { createSocialConnections, socialEntrySchema } from './connections.js';
import { createSocialStore } from './store.js';

export const socialBootstrapFields = {
  social_providers: z.array(socialEntrySchema).default([]),
};

export function socialAdmin(services: Services) {
  return createSocialConnections(createSocialStore(services.db), services.box);
}

/**
 * Saves each entry in order. `step` runs one entry under its path (errors reported with it) and only
 * when it changed since it was last applied (so an administrator's `social disable` stays).
 */
export async function applySocialProviders(
  services: Services,
  entries: z.infer<typeof socialEntrySchema>[],
  step: (path: string, entry: z.infer<typeof socialEntrySchema>, fn: () => Promise<void>) => Promise<void>,
) {
  const admin = socialAdmin(services);
  for (const [i, entry] of entries.entries()) {
    await step(`social_providers[${i}]`, entry, async () => {
      await admin.save(entry, i);
    });
  }
  return entries.length;
}
