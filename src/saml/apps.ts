/**
 * The SAML apps My account lists ("Your apps"): an SP that allows IdP-initiated sign-in opens through
 * /saml/launch/<id> (Wayfinder signs the person in and posts an assertion); one that does not, but
 * registered a launch URL, opens at that URL (the app then sends its own AuthnRequest). Any other
 * SP is not listed: there is no way to open it from here.
 */
import { spSettingsSchema } from './settings.js';
import type { SpRow } from './store.js';

export interface AppLink {
  name: string;
  url: string;
  idpInitiated: boolean;
}

/** Reads only the SPs' settings (no metadata parsing: opening My account does not load samlify). */
export function samlAppsSection(registry: { list(): Promise<SpRow[]> }) {
  return async (): Promise<{ apps: AppLink[] }> => {
    const apps = (await registry.list()).flatMap((row) => {
      const settings = spSettingsSchema.parse(row.settings);
      const name = settings.display_name ?? row.entity_id;
      if (settings.allow_idp_initiated) return [{ name, url: `/saml/launch/${encodeURIComponent(row.id)}`, idpInitiated: true }];
      if (settings.launch_url) return [{ name, url: settings.launch_url, idpInitiated: false }];
      return [];
    });
    return { apps: apps.sort((a, b) => a.name.localeCompare(b.name)) };
  };
}
