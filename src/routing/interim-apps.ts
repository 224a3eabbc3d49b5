/** TEMPORARY until src/apps/ (launcher) merges this session: SAML apps only, everyone sees all. */
import type { Features } from '../features.js';
import { samlAppsSection } from '../saml/apps.js';
import type { AppsOf } from './lost-page.js';

export function appsOfInterim(f: Features): AppsOf {
  const section = samlAppsSection(f.saml.registry);
  return async () => ({
    apps: (await section()).apps.map((a) => ({
      id: a.url,
      kind: 'saml' as const,
      name: a.name,
      iconUrl: null,
      launchUrl: a.url,
      trialUrl: null,
    })),
    requestable: [],
  });
}
