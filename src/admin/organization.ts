/**
 * An organization's settings for its administrators: SCIM tokens (created, listed with their last
 * use, revoked) and the two-step verification policy. Each change is an audit event with the
 * organization, the actor and before/after; a token of another organization is not found (404).
 */
import type { Context } from 'koa';
import { z } from 'zod';
import type { Audit } from '../audit/index.js';
import type { FactorStore } from '../factors/store.js';
import { setTwoStepPolicy, twoStepPolicySchema } from '../factors/admin.js';
import type { ScimTokens } from '../provisioning/tokens.js';
import type { FailureNotifier } from '../provisioning/notify.js';

export const scimTokenInput = z.strictObject({ label: z.string().min(1).max(200).optional() });
export const scimTokenView = z.object({
  id: z.string(),
  label: z.string().nullable(),
  created_at: z.string(),
  last_used_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
});
export const twoStepView = z.object({
  required: z.enum(['off', 'all', 'groups']),
  group_names: z.array(z.string()),
  primary_method: z.string(),
  trusted_device_days: z.number(),
});
export { twoStepPolicySchema as twoStepInput };
export const notifyInput = z.strictObject({ email: z.email().max(254).nullable(), language: z.string().max(10).optional() });
export const notifyView = z.object({ email: z.string().nullable(), language: z.string().nullable() });

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function createAdminOrganization(d: {
  tokens: ScimTokens;
  factors: FactorStore;
  audit: Audit;
  notifier: FailureNotifier;
  /** Who calls, as the SCIM layer's events name it: the admin API and center, or the CLI. */
  via?: 'admin' | 'cli';
}) {
  const actor = { via: d.via ?? 'admin' };
  return {
    async scimTokens(orgId: string) {
      return (await d.tokens.list(orgId)).map((t) => ({
        id: t.id,
        label: t.label,
        created_at: t.created_at.toISOString(),
        last_used_at: iso(t.last_used_at),
        revoked_at: iso(t.revoked_at),
      }));
    },
    /** The token is in the answer once; it is stored hashed. The SCIM layer records the event. */
    createScimToken: (ctx: Context | undefined, orgId: string, input: z.output<typeof scimTokenInput>) =>
      d.tokens.create(ctx, actor, orgId, input.label),
    revokeScimToken: (ctx: Context | undefined, orgId: string, id: string) => d.tokens.revoke(ctx, actor, orgId, id.slice(0, 100)),

    async notifyAddress(orgId: string) {
      const a = await d.notifier.address(orgId);
      return { email: a?.email ?? null, language: a?.lang ?? null };
    },
    /** Where a mail goes when SCIM requests keep failing (null: nowhere). The notifier records the event. */
    async setNotifyAddress(ctx: Context | undefined, orgId: string, input: z.output<typeof notifyInput>) {
      const set = await d.notifier.setAddress(ctx, actor, orgId, input.email, input.language);
      return { email: set.email, language: set.lang };
    },

    async twoStep(orgId: string) {
      const p = await d.factors.policyOf(orgId);
      return p
        ? { required: p.required, group_names: p.group_names, primary_method: p.primary_method, trusted_device_days: p.trusted_device_days }
        : { required: 'off' as const, group_names: [], primary_method: 'totp', trusted_device_days: 30 };
    },
    async setTwoStep(ctx: Context | undefined, orgId: string, input: z.output<typeof twoStepPolicySchema>) {
      const before = await this.twoStep(orgId);
      const { reset } = await setTwoStepPolicy(d.factors, orgId, input);
      await d.audit.record(ctx, {
        type: 'admin.two_step_policy_set',
        outcome: 'success',
        orgId,
        data: { orgId, before, after: input, reset },
      });
      return { ...(await this.twoStep(orgId)), reset };
    },
  };
}

export type AdminOrganization = ReturnType<typeof createAdminOrganization>;
