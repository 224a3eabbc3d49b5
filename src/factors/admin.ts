/**
 * Administration of two-step verification for an organization: the policy (who must use it, the
 * primary method, how long a device may be trusted). Changing the primary method resets the
 * enrolments of the members the policy covers, and forgets their trusted devices, so they re-enrol in
 * the new method at their next sign-in (the page says why).
 */
import { z } from 'zod';
import { coveringPolicies } from './policy.js';
import { factorOf } from './registry.js';
import type { FactorStore } from './store.js';

export const twoStepPolicySchema = z.strictObject({
  required: z.enum(['off', 'all', 'groups']),
  group_names: z.array(z.string().min(1)).default([]),
  // Low-assurance methods (SMS) cannot satisfy a policy, so they cannot be its primary method either.
  primary_method: z
    .string()
    .refine((m) => factorOf(m)?.enrollable && factorOf(m)?.assurance === 'high', 'not a method people can enrol that satisfies a policy'),
  trusted_device_days: z.number().int().min(0).max(365).default(30),
});
export type TwoStepPolicyInput = z.input<typeof twoStepPolicySchema>;

export async function setTwoStepPolicy(store: FactorStore, orgId: string, input: TwoStepPolicyInput) {
  const policy = twoStepPolicySchema.parse(input);
  const before = await store.policyOf(orgId);
  await store.upsertPolicy({ org_id: orgId, ...policy });
  if (before && before.primary_method !== policy.primary_method && policy.required !== 'off') {
    const affected = [];
    for (const userId of await store.membersOf(orgId)) {
      if ((await coveringPolicies(store, userId)).some((p) => p.org_id === orgId)) affected.push(userId);
    }
    await store.resetEnrolments(affected);
    return { reset: affected.length };
  }
  return { reset: 0 };
}
