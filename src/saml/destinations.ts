/** The URLs registered SAML SPs receive browsers at (assertion consumers, launch URLs): routing/destinations.ts allows their origins. */
import type { createSpRegistry } from './registry.js';

export function samlDestinations(registry: ReturnType<typeof createSpRegistry>) {
  return async (): Promise<string[]> => {
    const rows = await registry.list();
    const sps = await Promise.all(rows.map((r) => registry.find(r.id).catch(() => undefined)));
    return sps.flatMap((sp) => (sp ? [...sp.acs.map((e) => e.location), ...(sp.settings.launch_url ? [sp.settings.launch_url] : [])] : []));
  };
}
