/**
 * Launcher keys of the bootstrap file, on `clients[]` and on `saml_service_providers[]`:
 *   initiate_login_uri  where the app starts its sign-in (OIDC: third-party initiated login, OpenID
 *                       Connect Core §4; SAML: the app's own start page, used when the SP does not
 *                       allow IdP-initiated sign-in)
 *   target_link_uri     (clients) sent along to initiate_login_uri
 *   logo_uri            the icon (https)
 *   trial_uri           "start a free trial" / request-access page, shown to people of an
 *                       organization the app is restricted to who may not use it yet
 *   client_name#<lang>  (clients) / display_name#<lang> (SPs): the name in a language, e.g. client_name#fr
 *   access: { organizations: [<org slug>...], groups: [...] }
 *                       who may use it; absent = everyone. A group is "<org slug>/<group name>" or a
 *                       plain "<group name>": that group in each listed organization, or in every
 *                       organization that has one when none is listed. Members of a listed
 *                       organization or of a listed group may use the app.
 * Every URL is https (http only on localhost). Applied after the organizations (whose groups access names).
 */
import { z } from 'zod';
import type { Services } from '../services.js';
import { accessSchema, appName, httpsUrl, langTag, launcherUrl, taggedNames, type AccessInput } from './fields.js';

export const clientLauncherFields = {
  logo_uri: launcherUrl.optional(),
  initiate_login_uri: httpsUrl.optional(),
  target_link_uri: launcherUrl.optional(),
  trial_uri: launcherUrl.optional(),
  access: accessSchema.optional(),
  /** Lifted from `client_name#<lang>` keys. */
  client_names: z.record(langTag, appName).optional(),
};

export const spLauncherFields = {
  logo_uri: launcherUrl.optional(),
  initiate_login_uri: launcherUrl.optional(),
  trial_uri: launcherUrl.optional(),
  access: accessSchema.optional(),
  /** Lifted from `display_name#<lang>` keys. */
  display_names: z.record(langTag, appName).optional(),
};

/** Moves `client_name#fr`-style keys of clients and SPs into `client_names` / `display_names` (before the strict parse). */
export function liftTaggedNames(raw: unknown): unknown {
  if (!raw || typeof raw !== 'object') return raw;
  const doc = raw as Record<string, unknown>;
  const lift = (list: unknown, key: string, into: string) =>
    Array.isArray(list)
      ? list.map((entry) => {
          if (!entry || typeof entry !== 'object') return entry;
          const e = entry as Record<string, unknown>;
          const names = taggedNames(e, key);
          if (!Object.keys(names).length) return entry;
          const rest = Object.fromEntries(Object.entries(e).filter(([k]) => !k.startsWith(`${key}#`)));
          return { ...rest, [into]: { ...(rest[into] as object), ...names } };
        })
      : list;
  return {
    ...doc,
    ...(doc.clients !== undefined ? { clients: lift(doc.clients, 'client_name', 'client_names') } : {}),
    ...(doc.saml_service_providers !== undefined
      ? { saml_service_providers: lift(doc.saml_service_providers, 'display_name', 'display_names') }
      : {}),
  };
}

export interface LauncherPart {
  names?: Record<string, string>;
  logo_uri?: string;
  initiate_login_uri?: string;
  target_link_uri?: string;
  trial_uri?: string;
  access?: AccessInput;
}

/**
 * Sets an app's launcher fields and access from the file. OIDC clients keep logo_uri and
 * initiate_login_uri in their registration (the launcher reads them there); SAML SPs have them here.
 */
export async function applyLauncherPart(services: Services, kind: 'oidc' | 'saml', ref: string, part: LauncherPart) {
  const id = await services.appStore.idOf(kind, ref);
  if (!id) return;
  await services.appStore.update(id, {
    names: part.names ?? {},
    trial_url: part.trial_uri ?? null,
    target_link_uri: kind === 'oidc' ? (part.target_link_uri ?? null) : null,
    ...(kind === 'saml' ? { logo_url: part.logo_uri ?? null, launch_url: part.initiate_login_uri ?? null } : {}),
  });
  const access = part.access ? accessSchema.parse(part.access) : undefined;
  await services.appStore.setAccess(id, access ? await services.appAdmin.resolve(access.organizations, access.groups) : null);
}

type ClientEntry = {
  client_id: string;
  client_names?: Record<string, string>;
  trial_uri?: string;
  target_link_uri?: string;
  access?: AccessInput;
};

/** The clients' launcher parts, each applied once per change (an entry whose keys were all removed is reset); after the organizations, whose groups `access` names. */
export async function applyClientLaunchers(
  services: Services,
  clients: ClientEntry[],
  run: {
    once: (key: string, value: unknown, apply: () => Promise<void>) => Promise<unknown>;
    where: (path: string, fn: () => Promise<void>) => Promise<void>;
    applied: (key: string) => boolean;
  },
) {
  for (const [i, c] of clients.entries()) {
    const part = { names: c.client_names, trial_uri: c.trial_uri, target_link_uri: c.target_link_uri, access: c.access };
    const key = `clients/${c.client_id}/launcher`;
    if (Object.values(part).some((v) => v !== undefined) || run.applied(key))
      await run.where(`clients[${i}]`, async () => {
        await run.once(key, part, () => applyLauncherPart(services, 'oidc', c.client_id, part));
      });
  }
}

type SpEntry = {
  logo_uri?: string;
  initiate_login_uri?: string;
  trial_uri?: string;
  access?: AccessInput;
  display_names?: Record<string, string>;
};

export const launcherPartOf = (sp: SpEntry): LauncherPart => ({
  names: sp.display_names,
  logo_uri: sp.logo_uri,
  initiate_login_uri: sp.initiate_login_uri,
  trial_uri: sp.trial_uri,
  access: sp.access,
});

/** The SP's registration (metadata and settings) without its launcher keys. */
export function withoutLauncherKeys<T extends SpEntry>(sp: T): Omit<T, keyof SpEntry> {
  const { logo_uri: _l, initiate_login_uri: _i, trial_uri: _t, access: _a, display_names: _n, ...registration } = sp;
  return registration;
}
