/**
 * The two-step verification rule of the policy gate. A second factor is required when:
 * - an organization the person belongs to requires it for all members, for a group they are in, or
 *   (whenever a policy is on) for its administrators; or
 * - the person has enrolled a factor of their own accord; or
 * - the app asks for it (acr_values containing the multi-factor class: step-up); or
 * - an earlier gate rule demands it (gctx.demands: a break-glass administrator of an SSO-only
 *   organization, a company connection set to always require Wayfinder's factor).
 * It passes when a factor of enough assurance passed in this sign-in (SMS is low assurance and never
 * satisfies a policy or a step-up), or when the browser is a trusted device, neither a step-up nor
 * an administrator policy is involved, and nothing is missing. When the person has no usable factor
 * (or a policy change reset them), the decision asks for enrolment in the policy's primary method —
 * but a person who has any factor proves one of them first (mayEnrol), so a password alone never
 * adds a factor that would then stand in for the enrolled one.
 */
import { ACR, type GateRule } from '../login/gate.js';
import { FACTORS, factorOf } from './registry.js';
import type { FactorStore } from './store.js';
import type { FactorEnv } from './types.js';

export const DEFAULT_TRUST_DAYS = 30;

export async function coveringPolicies(store: FactorStore, userId: string) {
  const policies = await store.policiesFor(userId);
  const covering = [];
  for (const p of policies) {
    if (p.required === 'off') continue;
    const groups = p.required === 'groups' ? await store.groupNamesOf(userId, p.org_id) : [];
    if (p.required === 'all' || p.role === 'admin' || groups.some((g) => p.group_names.includes(g))) covering.push(p);
  }
  return covering;
}

/** How long this person may trust a device: the shortest of the policies covering them (0: forbidden). */
export async function trustDaysFor(store: FactorStore, userId: string) {
  const covering = await coveringPolicies(store, userId);
  return covering.length ? Math.min(...covering.map((p) => p.trusted_device_days)) : DEFAULT_TRUST_DAYS;
}

/**
 * The one rule for adding a factor, wherever it is added (a sign-in's enrolment, My account, passkeys,
 * push pairing): a person who has any factor enrolled proves one of them first. `enrolled`: the kinds
 * of their confirmed factors; `proved`: the factors passed in this sign-in (or by the signed-in session).
 */
export function mayEnrol(enrolled: string[], proved: ReadonlyArray<unknown>) {
  return enrolled.length === 0 || proved.length > 0;
}

/** The kinds of a person's confirmed factors (those the registry knows). */
export async function enrolledKinds(store: FactorStore, userId: string) {
  const rows = await store.factorsOf(userId);
  return [...new Set(rows.filter((f) => f.confirmed_at).map((f) => f.kind))].filter((k) => factorOf(k));
}

export function twoStepRule(store: FactorStore, envFor: () => Pick<FactorEnv, 'store'>): GateRule {
  return {
    name: 'two-step-verification',
    async check(auth, gctx) {
      const { user } = auth;
      // Two-step policies belong to organizations: a person known to belong to none has none to read.
      const covering = gctx.memberOf?.length === 0 ? [] : await coveringPolicies(store, user.id);
      const stepUp = gctx.acrValues?.includes(ACR.mfa) ?? false;
      // Demanded by an earlier rule (break-glass administrator, a connection that always requires ours).
      const demanded = (gctx.demands?.length ?? 0) > 0;
      const enrolled = await enrolledKinds(store, user.id);
      if (!covering.length && !enrolled.length && !stepUp && !demanded) return undefined;

      const minAssurance = covering.length || stepUp || demanded ? ('high' as const) : ('low' as const);
      const passed = auth.factors.some((f) => minAssurance === 'low' || f.assurance === 'high');
      if (passed) return undefined;
      const adminPolicy = covering.some((p) => p.role === 'admin');
      const trustDays = covering.length ? Math.min(...covering.map((p) => p.trusted_device_days)) : DEFAULT_TRUST_DAYS;
      const primary = covering[0]?.primary_method ?? 'totp';
      const strong = enrolled.filter((k) => minAssurance === 'low' || factorOf(k)!.assurance === 'high');
      const reenrol = await store.needsReenrol(user.id);
      // What is missing (an enrolment the policy demands) is asked for before a trusted device is honoured.
      const mustEnrol = !strong.length || reenrol;
      if (!mustEnrol && gctx.trustedDevice && !stepUp && !adminPolicy && !demanded && trustDays > 0) return undefined;

      const env = envFor();
      const recoveryLeft = (await FACTORS.recovery.usable(env as FactorEnv, user)).length > 0;
      const byPrimary = (kinds: string[]) => kinds.sort((a, b) => (a === primary ? -1 : b === primary ? 1 : 0));
      if (mustEnrol && mayEnrol(enrolled, auth.factors)) {
        return {
          kind: 'second_factor',
          methods: [],
          enrol: factorOf(primary)?.enrollable ? primary : 'totp',
          reenrol,
          minAssurance,
          trustDays,
        };
      }
      // Enrolment must wait until one of the enrolled factors is proved (whatever its assurance).
      const methods = [...byPrimary(mustEnrol ? enrolled : strong), ...(recoveryLeft ? ['recovery'] : [])];
      return { kind: 'second_factor', methods, reenrol: false, minAssurance, trustDays };
    },
  };
}
