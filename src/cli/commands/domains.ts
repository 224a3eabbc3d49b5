/**
 * `domain add | verify | list`: an organization's domains. `add` claims a domain and prints the DNS
 * TXT record that proves control; `verify` looks the record up (through the configured resolvers),
 * or with --operator vouches for the domain without DNS. A domain verified by one organization
 * cannot be verified by another. A thin shell over the admin use-cases (admin/company.ts).
 */
import { AppError } from '../../lib/errors.js';
import { adminOf, CLI_ACTOR } from '../admin.js';
import { orgBySlug, type Command } from '../context.js';
import { table, when } from '../format.js';

const EXPLAIN: Record<string, string> = {
  record_missing: 'the TXT record was not found (DNS changes can take a while to appear; try again later)',
  taken: 'another organization has already verified this domain',
  dns_error: 'the DNS lookup failed (check federation.dnsServers / DNS_SERVERS and the network)',
  unknown_domain: 'this domain has not been added to the organization (run domain add first)',
};

const verifiedOrExplain = (outcome: string, domain: string) => {
  if (outcome !== 'verified' && outcome !== 'already_verified')
    throw new AppError(`domain_${outcome}`, 409, `${domain} is not verified: ${EXPLAIN[outcome]}`);
};

export const domainCommands: Command[] = [
  {
    name: 'domain add',
    args: '<org-slug> <domain>',
    summary: 'claim a domain for an organization and print the DNS TXT record that verifies it',
    positionals: ['org', 'domain'],
    async run(ctx, _v, [slug, domain]) {
      const org = await orgBySlug(ctx, slug);
      const claim = await adminOf(ctx).company.claimDomain(undefined, org.id, { domain });
      ctx.out(`${claim.domain} is claimed by ${org.slug}${claim.verified ? ' (already verified)' : ''}`);
      if (!claim.verified) {
        ctx.out(
          'Publish this DNS record, then run: wayfinder domain verify ' + `${org.slug} ${claim.domain}`,
          `  name:  ${claim.record.name}`,
          '  type:  TXT',
          `  value: ${claim.record.value}`,
        );
      }
    },
  },
  {
    name: 'domain verify',
    args: '<org-slug> <domain> [--operator]',
    summary: 'verify a claimed domain by its DNS TXT record (or, with --operator, vouch for it)',
    options: { operator: { type: 'boolean' } },
    positionals: ['org', 'domain'],
    async run(ctx, v, [slug, name]) {
      const org = await orgBySlug(ctx, slug);
      const { company } = adminOf(ctx);
      const checked =
        v.operator === true
          ? await company.vouchDomain(undefined, CLI_ACTOR, org.id, name)
          : await company.verifyDomain(undefined, org.id, name).catch((err: unknown) => {
              if (err instanceof AppError && err.code === 'not_found') return { domain: name.toLowerCase(), outcome: 'unknown_domain' };
              throw err;
            });
      verifiedOrExplain(checked.outcome, checked.domain);
      ctx.out(`${checked.domain} is verified for ${org.slug}`);
    },
  },
  {
    name: 'domain list',
    args: '<org-slug>',
    summary: "list an organization's domains and whether they are verified",
    positionals: ['org'],
    async run(ctx, _v, [slug]) {
      const org = await orgBySlug(ctx, slug);
      const { items } = await adminOf(ctx).company.domains(org.id);
      if (!items.length) return ctx.out(`${org.slug} has no domains`);
      ctx.out(
        ...table(
          ['DOMAIN', 'VERIFIED', 'BY', 'TXT RECORD'],
          items.map((d) => [d.domain, when(d.verified_at), d.verified_by, d.verified ? '' : `${d.record.name} = ${d.record.value}`]),
        ),
      );
    },
  },
];
