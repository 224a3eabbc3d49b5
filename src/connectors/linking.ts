/**
 * From an upstream identity to a Wayfinder account. Rules:
 * - a linked identity is keyed on (connection, upstream subject), never on email: once linked, the
 *   subject signs in to that account whatever email the IdP sends later;
 * - a first sign-in needs an email in a domain the connection's organization has verified;
 *   anything else is refused (an IdP cannot create or claim accounts in someone else's domain);
 * - an existing account with that email is linked only when the connection's email is trusted
 *   (linking on an unverified email is account takeover); otherwise the sign-in is refused;
 * - else, with just-in-time provisioning on, a new account is created (no password) with the mapped
 *   profile, its email verified only when trusted; it joins the organization as a member;
 * - every link, provisioning and refusal is audited.
 */
import type { Context } from 'koa';
import type { AccountStore, User } from '../accounts/store.js';
import type { Users } from '../accounts/users.js';
import type { Audit } from '../audit/index.js';
import { domainOfEmail } from '../orgs/domains.js';
import type { OrgStore } from '../orgs/store.js';
import { fail } from './errors.js';
import type { ConnectorStore } from './store.js';
import type { Connection, UpstreamIdentity } from './types.js';

export interface LinkingDeps {
  store: ConnectorStore;
  accounts: AccountStore;
  users: Users;
  orgs: OrgStore;
  audit: Audit;
}

export type LinkPlan = { kind: 'linked'; user: User } | { kind: 'link'; user: User } | { kind: 'create' };

export function createLinking(d: LinkingDeps) {
  /** What a sign-in with `identity` leads to, without changing anything (also used by the test sign-in). */
  async function plan(conn: Connection, jit: boolean, identity: UpstreamIdentity): Promise<LinkPlan> {
    const link = await d.store.findLink(conn.id, identity.subject);
    const linked = link && (await d.accounts.findUser(link.user_id));
    if (linked) return { kind: 'linked', user: linked };
    if (!identity.email) throw fail('no_email', 'the company identity provider sent no email address');
    const domain = domainOfEmail(identity.email);
    const owner = domain ? await d.orgs.verifiedOwner(domain) : undefined;
    if (owner?.id !== conn.orgId)
      throw fail('domain_not_verified', `${domain ?? identity.email} is not a verified domain of the organization`);
    const existing = await d.accounts.findUserByEmail(identity.email);
    if (existing) {
      if (!identity.emailTrusted)
        throw fail('link_refused', 'an account with this email exists and the connection does not trust its email');
      return { kind: 'link', user: existing };
    }
    if (!jit) throw fail('jit_disabled', 'no account is linked and just-in-time provisioning is off');
    return { kind: 'create' };
  }

  return {
    plan,

    /** Finds, links or creates the account for `identity` (see the rules above). */
    async resolve(ctx: Context, conn: Connection, jit: boolean, identity: UpstreamIdentity): Promise<User> {
      const audit = (type: string, outcome: 'success' | 'failure', userId?: string, data: Record<string, unknown> = {}) =>
        d.audit.record(ctx, { type, outcome, userId, data: { connectionId: conn.id, orgId: conn.orgId, ...data } });
      let next: LinkPlan;
      try {
        next = await plan(conn, jit, identity);
      } catch (err) {
        await audit('sso.link_refused', 'failure', undefined, { reason: (err as { reason?: string }).reason });
        throw err;
      }
      if (next.kind === 'linked') {
        await d.store.touchLink(conn.id, identity.subject);
        await d.orgs.ensureMember(conn.orgId, next.user.id);
        return next.user;
      }
      if (next.kind === 'link') {
        const { user } = next;
        await d.store.link(conn.id, identity.subject, user.id);
        await d.orgs.ensureMember(conn.orgId, user.id);
        // The organization's IdP vouches for the address: a pending sign-up or an invitation is done.
        if (!user.email_verified || user.status === 'pending' || user.status === 'invited') {
          await d.accounts.updateUser(user.id, {
            email_verified: true,
            ...(user.status === 'disabled' ? {} : { status: 'active' as const }),
          });
        }
        await audit('sso.linked', 'success', user.id);
        return (await d.accounts.findUser(user.id))!;
      }
      const user = await d.users.create({
        email: identity.email!,
        name: identity.name ?? null,
        given_name: identity.given_name ?? null,
        family_name: identity.family_name ?? null,
        email_verified: identity.emailTrusted,
        status: 'active',
      });
      await d.store.link(conn.id, identity.subject, user.id);
      await d.orgs.ensureMember(conn.orgId, user.id);
      await audit('sso.provisioned', 'success', user.id, { emailTrusted: identity.emailTrusted });
      return user;
    },
  };
}
export type Linking = ReturnType<typeof createLinking>;
