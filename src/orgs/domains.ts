/**
 * Domains an organization claims, and their verification. Rules:
 * - a domain is a lowercase ASCII host name (IDNs in punycode) with at least two labels;
 * - a claim gets a random token; DNS verification looks for the TXT record
 *   `_wayfinder-verification.<domain>` = `wayfinder-verification=<token>` through the configured
 *   resolvers (tests point them at a local DNS server), or an operator vouches for it (CLI, bootstrap);
 * - a verified domain belongs to exactly one organization: a second organization's verification is
 *   refused (`taken`), whoever asks, and the database enforces it too;
 * - only a verified domain changes where sign-in goes (home realm discovery), links or provisions.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Resolver } from 'node:dns/promises';
import { domainToASCII } from 'node:url';
import type { Config } from '../config/schema.js';
import { badRequest } from '../lib/errors.js';
import type { OrgDomain, OrgStore } from './store.js';

export const TXT_PREFIX = '_wayfinder-verification';
export const TXT_VALUE_PREFIX = 'wayfinder-verification=';

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** The canonical form of a domain, or undefined when it is not a host name we accept. */
export function normalizeDomain(input: string): string | undefined {
  const raw = String(input ?? '')
    .trim()
    .replace(/\.$/, '')
    .toLowerCase();
  if (!raw || /[\s/\\:@?#[\]%*]/.test(raw)) return undefined;
  const ascii = domainToASCII(raw);
  if (!ascii || ascii.length > 253) return undefined;
  const labels = ascii.split('.');
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l)) || /^\d+$/.test(labels.at(-1)!)) return undefined;
  return ascii;
}

/** The domain part of an email address, canonical. */
export const domainOfEmail = (email: string) => normalizeDomain(email.slice(email.lastIndexOf('@') + 1));

export type VerifyOutcome = 'verified' | 'already_verified' | 'record_missing' | 'taken' | 'dns_error' | 'unknown_domain';

export interface DnsTxt {
  resolveTxt(name: string): Promise<string[][]>;
}

export function systemDns(cfg: Config['federation']): DnsTxt {
  const resolver = new Resolver({ timeout: cfg.dnsTimeoutMs, tries: 2 });
  if (cfg.dnsServers.length) resolver.setServers(cfg.dnsServers);
  return resolver;
}

export function createDomains(store: OrgStore, dns: DnsTxt) {
  function parse(domain: string) {
    const d = normalizeDomain(domain);
    if (!d) throw badRequest('invalid_domain', `"${domain}" is not a domain name`);
    return d;
  }

  const instructions = (d: OrgDomain) => ({ name: `${TXT_PREFIX}.${d.domain}`, value: `${TXT_VALUE_PREFIX}${d.token}` });

  return {
    parse,
    instructions,

    /** Claims `domain` for the organization; returns the claim and the TXT record that verifies it. */
    async claim(orgId: string, domain: string) {
      const claim = await store.claimDomain({
        id: randomUUID(),
        org_id: orgId,
        domain: parse(domain),
        token: randomBytes(18).toString('base64url'),
      });
      return { claim, record: instructions(claim) };
    },

    async verifyByDns(orgId: string, domain: string): Promise<VerifyOutcome> {
      const claim = await store.findDomain(orgId, parse(domain));
      if (!claim) return 'unknown_domain';
      if (claim.verified_at) return 'already_verified';
      const owner = await store.verifiedOwner(claim.domain);
      if (owner && owner.id !== orgId) return 'taken';
      let records: string[][];
      try {
        records = await dns.resolveTxt(instructions(claim).name);
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'ENODATA' || code === 'ENOTFOUND') return 'record_missing';
        return 'dns_error';
      }
      // A TXT record may be split into several strings: join them, as RFC 7208 does.
      const expected = instructions(claim).value;
      if (!records.some((chunks) => chunks.join('').trim() === expected)) return 'record_missing';
      return (await store.markVerified(claim.id, 'dns')) ? 'verified' : 'taken';
    },

    /** An operator (CLI) or the bootstrap file vouches for the domain: claimed and verified at once. */
    async verifyByOperator(orgId: string, domain: string, by: 'operator' | 'bootstrap' = 'operator'): Promise<VerifyOutcome> {
      const d = parse(domain);
      const owner = await store.verifiedOwner(d);
      if (owner) return owner.id === orgId ? 'already_verified' : 'taken';
      const { claim } = await this.claim(orgId, d);
      return (await store.markVerified(claim.id, by)) ? 'verified' : 'taken';
    },

    list: (orgId: string) => store.domainsOf(orgId),
  };
}
export type Domains = ReturnType<typeof createDomains>;
