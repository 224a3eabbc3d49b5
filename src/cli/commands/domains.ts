/**
 * `domain add | verify | list`: an organization's domains. `add` claims a domain and prints the DNS
 * TXT record that proves control; `verify` looks the record up (through the configured resolvers),
 * or with --operator vouches for the domain without DNS. A domain verified by one organization
 * cannot be verified by another.
 */
import { AppError } from '../../lib/errors.js';
import { companyAdmin } from '../../connectors/admin.js';
import { orgBySlug, type Command } from '../context.js';
import { table, when } from '../format.js';

const EXPLAIN: Record<string, string> = {
  record_missing: 'the TXT record was not found (DNS changes can take a while to appear; try again later)',
  taken: 'another organization has already verified this domain',
  dns_error: 'the DNS lookup failed (check federation.dnsServers / DNS_SERVERS and the network)',
  unknown_domain: 'this domain has not been added to the organization (run domain add first)',
};

export const domainCommands: Command[] = [
  {
    name: 'domain add',
    args: '<org-slug> <domain>',
    summary: 'claim a domain for an organization and print the DNS TXT record that verifies it',
    positionals: ['org', 'domain'],
    async run(ctx, _v, [slug, domain]) {
      const org = await orgBySlug(ctx, slug);
      const { claim, record } = await companyAdmin(ctx.services).domains.claim(org.id, domain);
      await ctx.audit('admin.domain_claimed', {}, { orgId: org.id, domain: claim.domain });
      ctx.out(`${claim.domain} is claimed by ${org.slug}${claim.verified_at ? ' (already verified)' : ''}`);
      if (!claim.verified_at) {
        ctx.out(
          'Publish this DNS record, then run: wayfinder domain verify ' + `${org.slug} ${claim.domain}`,
          `  name:  ${record.name}`,
          '  type:  TXT',
          `  value: ${record.value}`,
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
    async run(ctx, v, [slug, domain]) {
      const org = await orgBySlug(ctx, slug);
      const { domains } = companyAdmin(ctx.services);
      const outcome = v.operator === true ? await domains.verifyByOperator(org.id, domain) : await domains.verifyByDns(org.id, domain);
      if (outcome !== 'verified' && outcome !== 'already_verified') {
        throw new AppError(`domain_${outcome}`, 409, `${domains.parse(domain)} is not verified: ${EXPLAIN[outcome]}`);
      }
      await ctx.audit(
        'admin.domain_verified',
        {},
        { orgId: org.id, domain: domains.parse(domain), by: v.operator === true ? 'operator' : 'dns' },
      );
      ctx.out(`${domains.parse(domain)} is verified for ${org.slug}`);
    },
  },
  {
    name: 'domain list',
    args: '<org-slug>',
    summary: "list an organization's domains and whether they are verified",
    positionals: ['org'],
    async run(ctx, _v, [slug]) {
      const org = await orgBySlug(ctx, slug);
      const { domains } = companyAdmin(ctx.services);
      const rows = await domains.list(org.id);
      if (!rows.length) return ctx.out(`${org.slug} has no domains`);
      ctx.out(
        ...table(
          ['DOMAIN', 'VERIFIED', 'BY', 'TXT RECORD'],
          rows.map((d) => [
            d.domain,
            when(d.verified_at),
            d.verified_by,
            d.verified_at ? '' : `${domains.instructions(d).name} = ${domains.instructions(d).value}`,
          ]),
        ),
      );
    },
  },
];
