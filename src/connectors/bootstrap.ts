/**
 * The Company ID part of an organization in the bootstrap file: its domains (`verified: true` lets
 * the operator vouch for a domain; otherwise it is claimed and its DNS TXT record is logged), its
 * connections (entries as in connectors/admin.ts) and SSO only (which waits, `pending`, for a
 * successful test sign-in when none happened yet). Idempotent like the rest of the bootstrap.
 */
import { z } from 'zod';
import { AppError } from '../lib/errors.js';
import type { Services } from '../services.js';
import { companyAdmin, connectionEntrySchema } from './admin.js';

export const companyIdBootstrapFields = {
  domains: z
    .array(
      z.union([
        z
          .string()
          .min(1)
          .transform((domain) => ({ domain, verified: false })),
        z.strictObject({ domain: z.string().min(1), verified: z.boolean().default(false) }),
      ]),
    )
    .default([]),
  connections: z.array(connectionEntrySchema).default([]),
  /** Members must sign in through a connection; enforced once a test sign-in succeeded. */
  sso_only: z.boolean().optional(),
};

type Fields = z.infer<z.ZodObject<typeof companyIdBootstrapFields>>;

/** Applies one organization's domains, connections and SSO only; returns notes for the operator. */
export async function applyCompanyId(services: Services, orgId: string, o: Fields, baseDir: string): Promise<string[]> {
  const admin = companyAdmin(services);
  const notes: string[] = [];
  for (const d of o.domains) {
    if (d.verified) {
      const outcome = await admin.domains.verifyByOperator(orgId, d.domain, 'bootstrap');
      if (outcome === 'taken') throw new AppError('domain_taken', 409, `domain ${d.domain} is verified by another organization`);
    } else {
      const { claim, record } = await admin.domains.claim(orgId, d.domain);
      if (!claim.verified_at) notes.push(`publish the DNS record ${record.name} TXT "${record.value}" to verify ${claim.domain}`);
    }
  }
  for (const entry of o.connections) await admin.saveEntry(orgId, entry, baseDir);
  if (o.sso_only !== undefined) {
    const mode = await admin.setSsoOnly(orgId, o.sso_only, { orPending: true });
    if (mode === 'pending') notes.push('SSO only will be enforced after a successful test sign-in (wayfinder connection test-url <id>)');
  }
  return notes;
}
