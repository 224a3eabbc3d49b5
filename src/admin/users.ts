/**
 * An organization's people, for its administrators (API today; CLI and pages call the same). Rules:
 * - every use-case is given the organization it acts on (admin/actor.ts decided it) and finds the
 *   person through that organization's memberships: anyone else is not found (404);
 * - invite creates an invited account with this membership and mails the activation link; an
 *   address that already has an account is refused (attaching someone else's account to an
 *   organization would put it under that organization's SSO-only and two-step rules);
 * - disable ends every session and revokes every refresh token at once; a person who also belongs
 *   to another organization is refused for an organization administrator (one company must not
 *   lock a person out of another's apps; an operator may);
 * - force a password reset: the password stops working, every session and token ends at once, and a
 *   reset link is mailed (the ordinary reset flow; nothing is answered that the administrator does
 *   not already know: the person is their member);
 * - delete is a soft delete (accounts/deletion-store.ts, the one SCIM DELETE uses): the person cannot
 *   sign in, is hidden from every list, their sessions end and tokens are revoked at once; the purge
 *   (retention `accounts.deletedRetentionDays`) removes the account and its personal data, keeping
 *   the audit events (they name ids);
 * - disable, reset-factors, force-reset and delete of a person who also belongs to another
 *   organization are an operator's decision;
 * - every change is an audit event with the organization, the actor, the target and before/after.
 */
import type { Context } from 'koa';
import { z } from 'zod';
import type { AccountStore } from '../accounts/store.js';
import type { Lifecycle } from '../accounts/lifecycle.js';
import type { Audit } from '../audit/index.js';
import type { OrgStore } from '../orgs/store.js';
import { pickLanguage } from '../http/i18n.js';
import { AppError, notFound } from '../lib/errors.js';
import type { Actor } from './actor.js';
import type { AdminStore } from './store.js';
import type { DeletionStore } from '../accounts/deletion-store.js';

export const userListInput = z.strictObject({
  q: z.string().max(100).optional(),
  cursor: z.string().max(400).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export const inviteInput = z.strictObject({
  email: z.email().max(254),
  name: z.string().max(200).optional(),
  role: z.enum(['member', 'admin', 'support']).default('member'),
  language: z.string().max(10).optional(),
});

export const userView = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string().nullable(),
  status: z.string(),
  role: z.string(),
  created_at: z.string(),
});

const view = (u: { id: string; email: string; name: string | null; status: string; role: string; created_at: Date }) => ({
  id: u.id,
  email: u.email,
  name: u.name,
  status: u.status,
  role: u.role,
  created_at: u.created_at.toISOString(),
});

export interface AdminUsersDeps {
  store: AdminStore;
  accounts: AccountStore;
  orgs: OrgStore;
  lifecycle: Lifecycle;
  audit: Audit;
  signOutAll: (userId: string) => Promise<unknown>;
  /** Removes a person's second factors and trusted devices; they set one up again at their next sign-in. */
  resetFactors: (userId: string) => Promise<void>;
  deletion: DeletionStore;
  retentionDays: number;
}

export function createAdminUsers(d: AdminUsersDeps) {
  async function member(orgId: string, id: string) {
    const u = id.length <= 100 ? await d.store.userOfOrg(orgId, id) : undefined;
    if (!u) throw notFound('not_found', 'no such person in this organization');
    return u;
  }
  const record = (ctx: Context, orgId: string, type: string, userId: string, data: Record<string, unknown>) =>
    d.audit.record(ctx, { type, outcome: 'success', userId, orgId, data: { orgId, target: userId, ...data } });

  /** A person of several organizations: only an operator may lock them out (of another company's apps too). */
  async function onlyHere(actor: Actor, orgId: string, id: string, what: string) {
    if (!actor.operator && (await d.store.otherOrgs(orgId, id)) > 0)
      throw new AppError('member_elsewhere', 409, `this person also belongs to another organization: only an operator can ${what}`);
  }

  async function setStatus(ctx: Context, actor: Actor, orgId: string, id: string, status: 'active' | 'disabled') {
    const u = await member(orgId, id);
    if (status === 'disabled') await onlyHere(actor, orgId, id, 'disable the account');
    if (u.status === status) return view(u);
    await d.accounts.updateUser(id, { status });
    if (status === 'disabled') await d.signOutAll(id);
    await record(ctx, orgId, status === 'disabled' ? 'admin.user_disabled' : 'admin.user_enabled', id, {
      before: { status: u.status },
      after: { status },
    });
    return view({ ...u, status });
  }

  return {
    async list(orgId: string, input: z.output<typeof userListInput>) {
      const rows = await d.store.usersPage({ orgId, q: input.q, after: input.cursor, limit: input.limit });
      const page = rows.slice(0, input.limit);
      return { items: page.map(view), next: rows.length > input.limit ? page[page.length - 1].email_norm : null };
    },
    get: async (orgId: string, id: string) => view(await member(orgId, id)),

    async invite(ctx: Context, orgId: string, input: z.output<typeof inviteInput>) {
      const org = await d.orgs.findById(orgId);
      const existing = await d.accounts.findUserByEmail(input.email);
      if (existing && existing.status !== 'invited')
        throw new AppError(
          'account_exists',
          409,
          'this address already has an account; its owner can join through company sign-in or SCIM',
        );
      const lang = pickLanguage([input.language]) ?? 'en';
      const { user } = await d.lifecycle.invite(ctx, { email: input.email, name: input.name, lang, org: org?.name });
      await d.orgs.addMember(orgId, user.id, input.role);
      await record(ctx, orgId, 'admin.user_invited', user.id, { after: { email: user.email, role: input.role } });
      return view({ ...user, role: input.role, created_at: new Date() });
    },

    async resetFactors(ctx: Context, actor: Actor, orgId: string, id: string) {
      const u = await member(orgId, id);
      await onlyHere(actor, orgId, id, 'reset their second factors');
      await d.resetFactors(id);
      await record(ctx, orgId, 'admin.factors_reset', id, { after: { factors: 'reset' } });
      return view(u);
    },

    async forcePasswordReset(ctx: Context, actor: Actor, orgId: string, id: string) {
      const u = await member(orgId, id);
      await onlyHere(actor, orgId, id, 'force a password reset');
      const user = await d.accounts.findUser(id);
      const org = await d.orgs.findById(orgId);
      const ended = await d.lifecycle.forceReset(user!, pickLanguage([user?.locale ?? undefined]) ?? 'en', org?.name);
      await record(ctx, orgId, 'admin.password_reset_forced', id, { after: { password: 'reset' }, endedSessions: ended });
      return view(u);
    },

    /** Soft delete: at once out of every session and token, hidden, unable to sign in; purged after retention. */
    async remove(ctx: Context, actor: Actor, orgId: string, id: string) {
      const u = await member(orgId, id);
      await onlyHere(actor, orgId, id, 'delete the account');
      if (!(await d.deletion.softDelete(orgId, id))) throw notFound('not_found', 'no such person in this organization');
      const ended = await d.signOutAll(id);
      const purgeAfter = new Date(Date.now() + d.retentionDays * 86_400_000).toISOString();
      await record(ctx, orgId, 'admin.user_deleted', id, {
        before: { status: u.status },
        after: { status: 'deleted', purge_after: purgeAfter },
        endedSessions: ended,
      });
    },

    disable: (ctx: Context, actor: Actor, orgId: string, id: string) => setStatus(ctx, actor, orgId, id, 'disabled'),
    enable: (ctx: Context, actor: Actor, orgId: string, id: string) => setStatus(ctx, actor, orgId, id, 'active'),
  };
}

export type AdminUsers = ReturnType<typeof createAdminUsers>;
