/**
 * The policy gate reads a person's organizations once per evaluation: the SSO-only rule reads the
 * memberships, and the two-step rule skips the two-step policies when there are none (policies
 * belong to organizations). Stores are stand-ins that count what is asked.
 */
import type { User } from '../../src/accounts/store.js';
import { twoStepRule } from '../../src/factors/policy.js';
import type { FactorStore } from '../../src/factors/store.js';
import { accountActiveRule, createGate, type Authentication } from '../../src/login/gate.js';
import { ssoOnlyRule } from '../../src/orgs/sso-only.js';
import type { OrgStore } from '../../src/orgs/store.js';

const user = { id: 'u1', email: 'pat@example.test', status: 'active' } as User;
const password = (): Authentication => ({ user, amr: ['pwd'], method: 'pwd', factors: [] });
const membership = {
  id: 'org-1',
  slug: 'one',
  name: 'One',
  role: 'member',
  break_glass: false,
  status: 'active',
  sso_only: 'off',
  sso_only_since: null,
};
const policy = { org_id: 'org-1', required: 'all', group_names: [], primary_method: 'totp', trusted_device_days: 30, role: 'member' };

function setup(opts: { memberships: unknown[]; policies: unknown[]; factors?: unknown[] }) {
  const asked: string[] = [];
  const orgs = {
    membershipsOf: async () => {
      asked.push('memberships');
      return opts.memberships;
    },
  } as unknown as OrgStore;
  const factors = {
    policiesFor: async () => {
      asked.push('policies');
      return opts.policies;
    },
    groupNamesOf: async () => [],
    factorsOf: async () => {
      asked.push('factors');
      return opts.factors ?? [];
    },
    needsReenrol: async () => false,
    recoveryCodesLeft: async () => 0,
  } as unknown as FactorStore;
  const gate = createGate([accountActiveRule, ssoOnlyRule(orgs), twoStepRule(factors, () => ({ store: factors }))]);
  return { gate, asked };
}

test('no organization: the two-step policies are not read, an enrolled factor is still asked for (regression)', async () => {
  const none = setup({ memberships: [], policies: [] });
  expect((await none.gate.evaluate(password(), {})).kind).toBe('allow');
  expect(none.asked).toEqual(['memberships', 'factors']);

  const enrolled = setup({ memberships: [], policies: [], factors: [{ kind: 'totp', confirmed_at: new Date() }] });
  expect(await enrolled.gate.evaluate(password(), {})).toEqual(expect.objectContaining({ kind: 'second_factor', methods: ['totp'] }));
  expect(enrolled.asked).toEqual(['memberships', 'factors']);
});

test("a member: the organization's two-step policy is read and applies (regression)", async () => {
  const member = setup({ memberships: [membership], policies: [policy] });
  expect(await member.gate.evaluate(password(), {})).toEqual(
    expect.objectContaining({ kind: 'second_factor', enrol: 'totp', minAssurance: 'high' }),
  );
  expect(member.asked).toEqual(['memberships', 'policies', 'factors']);
});

test('a step-up skips the SSO-only rule, so the policies are read; a caller cannot pass memberships in (regression)', async () => {
  const member = setup({ memberships: [membership], policies: [policy] });
  expect(await member.gate.evaluate(password(), { stepUp: true, memberOf: [] })).toEqual(
    expect.objectContaining({ kind: 'second_factor' }),
  );
  expect(member.asked).toEqual(['policies', 'factors']);
});
