/**
 * The launcher: which apps a person may open, and which of their organizations' apps they could ask
 * for. Rules:
 * - `apps`: the apps the person may use (everyone's, their organizations', their groups') that can
 *   be opened: an OIDC app with an initiate_login_uri opens through /apps/<id>/launch (third-party
 *   initiated login, OpenID Connect Core §4); a SAML app that allows IdP-initiated sign-in through
 *   /saml/launch/<sp id>, otherwise at its launch URL; sorted by name in the person's language;
 * - `requestable`: apps restricted to groups of the person's organizations that the person is not
 *   in, and that have a trial / request-access URL;
 * - names: the app's name in the language (`client_name#fr`), else its launcher name, else the
 *   registration's; one SQL statement per call whatever the number of apps and groups (store.ts).
 */
import { launcherUrlProblem } from './fields.js';
import type { AppRow, AppStore } from './store.js';

/** A URL from a registration is used only if it is one a launcher may send a browser to (https, no javascript:). */
const safe = (url: string | null) => (url && !launcherUrlProblem(url) ? url : null);

export interface AppCard {
  id: string;
  kind: 'oidc' | 'saml';
  name: string;
  iconUrl: string | null;
  launchUrl: string | null;
  trialUrl: string | null;
}

export interface Launcher {
  forPerson(userId: string, lang: string): Promise<{ apps: AppCard[]; requestable: AppCard[] }>;
  mayUse(userId: string, kind: 'oidc' | 'saml', ref: string): Promise<boolean>;
  /** Forgets what mayUse knows of open apps (who may use an app changed). */
  changed(): void;
}

export interface LauncherDeps {
  store: Pick<AppStore, 'forPerson' | 'mayUse'>;
  /**
   * How long mayUse remembers that an app is everyone's (no statement per sign-in for it), like the
   * client registry's cache: a change made here clears it at once (`changed`), one made by another
   * instance is seen within this bound. Who may use a restricted app is read every time.
   */
  openCacheMs?: number;
}

/** The app's name in a language (exact tag, then its primary subtag), else its own name, else the registration's. */
export function nameIn(row: Pick<AppRow, 'names' | 'name' | 'reg_name'>, lang: string): string {
  const names = row.names ?? {};
  const primary = lang.split('-')[0];
  const tagged = Object.entries(names).find(([tag]) => tag.toLowerCase() === lang.toLowerCase())?.[1] ?? names[primary];
  return tagged ?? row.name ?? row.reg_name;
}

export function cardOf(row: AppRow, lang: string): AppCard {
  const id = encodeURIComponent(row.id);
  const launchUrl =
    row.kind === 'oidc'
      ? safe(row.launch_url)
        ? `/apps/${id}/launch`
        : null
      : row.idp_initiated
        ? `/saml/launch/${encodeURIComponent(row.ref)}`
        : safe(row.launch_url);
  return {
    id: row.id,
    kind: row.kind,
    name: nameIn(row, lang),
    iconUrl: row.icon_etag ? `/apps/${id}/icon?v=${encodeURIComponent(row.icon_etag)}` : safe(row.logo_url),
    launchUrl,
    trialUrl: safe(row.trial_url),
  };
}

function collatorFor(lang: string) {
  try {
    return new Intl.Collator(lang, { sensitivity: 'base' });
  } catch {
    return new Intl.Collator('en', { sensitivity: 'base' });
  }
}

export function createLauncher(deps: LauncherDeps): Launcher {
  const ttl = deps.openCacheMs ?? 2000;
  /** `kind:ref` of apps known to be everyone's → until when that is trusted (ms since the epoch). */
  const openUntil = new Map<string, number>();
  return {
    async forPerson(userId, lang) {
      const rows = await deps.store.forPerson(userId);
      const collator = collatorFor(lang);
      const byName = (a: AppCard, b: AppCard) => collator.compare(a.name, b.name) || a.id.localeCompare(b.id);
      const apps: AppCard[] = [];
      const requestable: AppCard[] = [];
      for (const row of rows) {
        const card = cardOf(row, lang);
        if (row.allowed) {
          if (card.launchUrl) apps.push(card);
        } else if (card.trialUrl) requestable.push(card);
      }
      return { apps: apps.sort(byName), requestable: requestable.sort(byName) };
    },
    async mayUse(userId, kind, ref) {
      const key = `${kind}:${ref}`;
      if ((openUntil.get(key) ?? 0) > Date.now()) return true;
      const { allowed, open } = await deps.store.mayUse(userId, kind, ref);
      openUntil.delete(key);
      if (open) {
        openUntil.set(key, Date.now() + ttl);
        if (openUntil.size > 10_000) openUntil.delete(openUntil.keys().next().value!);
      }
      return allowed;
    },
    changed: () => openUntil.clear(),
  };
}
