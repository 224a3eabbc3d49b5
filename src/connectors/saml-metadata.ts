/**
 * Company SAML IdP metadata given by URL: fetched through the guarded fetch (https, no private
 * targets, size and time limits), refreshed on a schedule; a failed or invalid fetch keeps the last
 * good copy (the error is recorded on the connection). Parsing is src/saml/sp/metadata.ts.
 */
import type { Logger } from '../lib/log.js';
import { parseIdpMetadata } from '../saml/sp/metadata.js';
import type { XmlValidator } from '../saml/validator.js';
import { fetchText, type GuardedFetch } from './fetch.js';
import type { ConnectorStore } from './store.js';

export interface RefresherDeps {
  store: ConnectorStore;
  fetch: GuardedFetch;
  validator: XmlValidator;
  intervalSeconds: number;
  log: Logger;
}

/** Fetches metadata given by URL; keeps the last good copy when a fetch fails or is invalid. */
export function createMetadataRefresher(d: RefresherDeps) {
  async function refresh(id: string, url: string) {
    try {
      const xml = await fetchText(d.fetch, url);
      parseIdpMetadata(d.validator, xml);
      await d.store.recordMetadata(id, { metadata: xml });
      return { ok: true as const };
    } catch (err) {
      const error = (err as Error).message;
      await d.store.recordMetadata(id, { error });
      d.log.warn({ connectionId: id, err: error }, 'SAML metadata refresh failed; the last good copy stays in use');
      return { ok: false as const, error };
    }
  }

  /** Refreshes every connection whose metadata is older than the interval (or was never fetched). */
  async function refreshDue(now = Date.now()) {
    for (const c of await d.store.connectionsWithMetadataUrl()) {
      const url = c.settings.metadata_url;
      const age = c.metadata_fetched_at ? now - c.metadata_fetched_at.getTime() : Infinity;
      if (typeof url === 'string' && c.enabled && age >= d.intervalSeconds * 1000 * 0.9) await refresh(c.id, url);
    }
  }

  return {
    refresh,
    refreshDue,
    /** Refreshes now and then on a schedule; returns the stop function. */
    start() {
      const run = () => refreshDue().catch((err) => d.log.error({ err }, 'SAML metadata refresh round failed'));
      void run();
      const timer = setInterval(run, Math.max(60, Math.floor(d.intervalSeconds / 4)) * 1000);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}
export type MetadataRefresher = ReturnType<typeof createMetadataRefresher>;
