/**
 * Home realm discovery: where the sign-in goes after the email step. Rules:
 * - only a verified domain, owned by an active organization with at least one enabled connection,
 *   sends a person to their company's sign-in; everything else goes to the password step;
 * - the answer depends on the domain (or the organization named), never on whether an account
 *   exists, so it tells a stranger nothing about accounts;
 * - an organization can also be found by its slug or name ("Use my company ID"), or by a domain
 *   alone (`domain_hint`).
 */
import { domainOfEmail, normalizeDomain } from './domains.js';
import type { Organization, OrgStore } from './store.js';

export type Realm =
  | { kind: 'password' }
  | { kind: 'company'; org: { id: string; slug: string; name: string }; connections: Array<{ id: string; name: string }> };

export interface DiscoveryDeps {
  store: OrgStore;
  /** Enabled connections of an organization (id, display name). */
  enabledConnections: (orgId: string) => Promise<Array<{ id: string; name: string }>>;
}

export function createDiscovery(d: DiscoveryDeps) {
  async function realmOf(org: Organization | undefined): Promise<Realm | undefined> {
    if (!org || org.status !== 'active') return undefined;
    const connections = await d.enabledConnections(org.id);
    if (!connections.length) return undefined;
    return { kind: 'company', org: { id: org.id, slug: org.slug, name: org.name }, connections };
  }

  async function byDomain(domain: string): Promise<Realm | undefined> {
    const d0 = normalizeDomain(domain);
    return d0 ? realmOf(await d.store.verifiedOwner(d0)) : undefined;
  }

  return {
    byDomain,
    /** The realm of an email address: its verified domain's company, or password. */
    async byEmail(email: string): Promise<Realm> {
      const domain = domainOfEmail(email);
      return (domain && (await byDomain(domain))) || { kind: 'password' };
    },
    /** "Use my company ID": an organization by slug or name. */
    async byOrganization(text: string): Promise<Realm | undefined> {
      const q = String(text ?? '')
        .trim()
        .slice(0, 200);
      return q ? realmOf(await d.store.findBySlugOrName(q)) : undefined;
    },
  };
}
export type Discovery = ReturnType<typeof createDiscovery>;
