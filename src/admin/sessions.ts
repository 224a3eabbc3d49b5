/**
 * An organization's session lengths, for its administrators (API and admin center): how long a
 * sign-in lasts without "Stay signed in" (hours) and with it (days), each null for the deployment's
 * own and never longer than it (400 `out_of_bounds`, naming the bound). Enforced on every reuse of a
 * member's session (orgs/session-lengths.ts) and of their refresh tokens (oidc/refresh-token-limit.ts);
 * a change applies at once to sessions already open and refresh tokens already issued.
 * Each change is an audit event with before and after.
 */
import type { Context } from 'koa';
import { z } from 'zod';
import type { Audit } from '../audit/index.js';
import { badRequest } from '../lib/errors.js';
import type { OrgStore } from '../orgs/store.js';
import type { SessionBounds } from '../orgs/session-lengths.js';

export const sessionLengthsInput = z.strictObject({
  max_session_hours: z.number().int().min(1).nullable(),
  remember_days: z.number().int().min(1).nullable(),
});
export const sessionLengthsView = z.object({
  max_session_hours: z.number().nullable(),
  remember_days: z.number().nullable(),
  /** What applies: the organization's choice, or the deployment's. */
  effective: z.object({ max_session_hours: z.number(), remember_days: z.number() }),
  /** The deployment's: the longest an organization may choose. */
  bounds: z.object({ max_session_hours: z.number(), remember_days: z.number() }),
  changed_at: z.string().nullable(),
});

export function createAdminSessions(d: { orgs: OrgStore; audit: Audit; bounds: SessionBounds }) {
  const bounds = { max_session_hours: d.bounds.maxSessionHours, remember_days: d.bounds.rememberDays };
  async function get(orgId: string): Promise<z.output<typeof sessionLengthsView>> {
    const row = await d.orgs.sessionLengthsOf(orgId);
    const max = row?.session_max_hours ?? null;
    const remember = row?.session_remember_days ?? null;
    return {
      max_session_hours: max,
      remember_days: remember,
      effective: { max_session_hours: max ?? bounds.max_session_hours, remember_days: remember ?? bounds.remember_days },
      bounds,
      changed_at: row?.session_policy_changed_at ? row.session_policy_changed_at.toISOString() : null,
    };
  }
  return {
    bounds,
    get,
    async set(ctx: Context | undefined, orgId: string, input: z.output<typeof sessionLengthsInput>) {
      for (const key of ['max_session_hours', 'remember_days'] as const) {
        const value = input[key];
        if (value !== null && value > bounds[key])
          throw badRequest('out_of_bounds', `${key} is at most ${bounds[key]} in this deployment`, { field: key, max: bounds[key] });
      }
      const before = await get(orgId);
      await d.orgs.setSessionLengths(orgId, input.max_session_hours, input.remember_days);
      await d.audit.record(ctx, {
        type: 'admin.session_policy_set',
        outcome: 'success',
        orgId,
        data: {
          orgId,
          before: { max_session_hours: before.max_session_hours, remember_days: before.remember_days },
          after: input,
        },
      });
      return get(orgId);
    },
  };
}
export type AdminSessions = ReturnType<typeof createAdminSessions>;
