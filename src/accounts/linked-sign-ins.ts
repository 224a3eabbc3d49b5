/**
 * Linked sign-ins on My account: company ID links and social accounts. Rules:
 * - each can be disconnected unless it is the person's last way in (no password — or a password
 *   their organization's SSO-only policy does not accept —, no passkey, no other link); the page
 *   hides the button then, and the server checks again, in one transaction (accounts/profile-store.ts);
 * - a disconnected company link comes back on the next company sign-in (matched by the IdP's stable
 *   subject, or by SCIM provisioning), so disconnecting never locks the organization out;
 * - every disconnect and refusal is audited.
 */
import type { Context } from 'koa';
import type { Audit } from '../audit/index.js';
import { AppError } from '../lib/errors.js';
import type { ProfileStore, WayInKind } from './profile-store.js';
import type { AccountStore, User } from './store.js';

export interface LinkedSignInsDeps {
  profile: ProfileStore;
  accounts: AccountStore;
  audit: Audit;
  localPasswordAllowed: (user: User) => Promise<boolean>;
}

export function createLinkedSignIns(d: LinkedSignInsDeps) {
  async function passwordCounts(user: User) {
    return !!(await d.accounts.passwordHash(user.id)) && (await d.localPasswordAllowed(user));
  }

  return {
    /** My account's data: company links, and whether the person has a single way in (then nothing is disconnected). */
    section() {
      return async (_ctx: Context, userId: string) => {
        const user = await d.accounts.findUser(userId);
        if (!user) return {};
        const [companyLinks, ways] = await Promise.all([
          d.profile.companyLinksOf(userId),
          passwordCounts(user).then((pwd) => d.profile.waysIn(userId, pwd)),
        ]);
        return { companyLinks, singleWayIn: ways <= 1 };
      };
    },

    async disconnect(ctx: Context, user: User, kind: WayInKind, connectionId: string) {
      const outcome = await d.profile.removeWayIn(user.id, { kind, connectionId }, await passwordCounts(user));
      if (outcome === 'not_found') throw new AppError('not_found', 404, ctx.state.t('account.link_not_found'), true);
      if (outcome === 'last_way_in') {
        await d.audit.record(ctx, {
          type: `${kind === 'company' ? 'sso' : 'social'}.unlink_refused`,
          outcome: 'failure',
          userId: user.id,
          data: { connectionId, reason: 'last_way_in' },
        });
        throw new AppError('last_way_in', 409, ctx.state.t('account.last_way_in'), true);
      }
      await d.audit.record(ctx, {
        type: `${kind === 'company' ? 'sso' : 'social'}.unlinked`,
        outcome: 'success',
        userId: user.id,
        data: { connectionId },
      });
    },
  };
}
export type LinkedSignIns = ReturnType<typeof createLinkedSignIns>;
