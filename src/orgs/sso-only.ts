/**
 * "SSO only" per organization: members sign in through the organization's company connection.
 * Rules (a policy gate rule plus the hooks around it):
 * - while enforcement is `on`, a member signing in any other way (password, passkey, social, another
 *   organization's connection) is refused with `login.sso_only`; sessions created before
 *   enforcement are not touched and run until they end (the gate only runs at sign-in, and a
 *   step-up of an existing session only adds a factor to it);
 * - a break-glass administrator (named on the membership) may still use a password, and the gate
 *   then demands a second factor of high assurance, trusted device or not; the use is audited;
 * - enforcement can be switched on only after a successful test sign-in through an enabled
 *   connection of the organization; asked for before that (bootstrap), it waits as `pending` and
 *   begins with the first successful test sign-in;
 * - forgot-password never creates a password for a member (localPasswordAllowed), except for a
 *   break-glass administrator.
 */
import type { User } from '../accounts/store.js';
import type { GateRule } from '../login/gate.js';
import { AppError } from '../lib/errors.js';
import type { OrgStore } from './store.js';

export const BREAK_GLASS = 'break_glass';

type Membership = Awaited<ReturnType<OrgStore['membershipsOf']>>[number];

/** Enforcement applies to the members of an active organization whose SSO only is `on`. */
const enforces = (m: Membership) => m.sso_only === 'on' && m.status === 'active';

/** Organizations whose SSO-only enforcement applies to `userId`, and whether they may break glass. */
async function enforcing(store: OrgStore, userId: string) {
  return (await store.membershipsOf(userId)).filter(enforces);
}

export function ssoOnlyRule(store: OrgStore): GateRule {
  return {
    name: 'sso-only',
    async check(auth, gctx) {
      // A step-up continues a session that this rule admitted (or that began before enforcement).
      if (gctx.stepUp) return undefined;
      const memberships = await store.membershipsOf(auth.user.id);
      gctx.memberOf = memberships.map((m) => m.id);
      const orgs = memberships.filter(enforces);
      if (!orgs.length) return undefined;
      if (auth.method === 'sso' && auth.connection && orgs.some((o) => o.id === auth.connection!.orgId)) return undefined;
      if (auth.method === 'pwd' && orgs.every((o) => o.role === 'admin' && o.break_glass)) {
        gctx.demands?.push(BREAK_GLASS);
        return undefined;
      }
      return { kind: 'deny', reason: 'login.sso_only' };
    },
  };
}

/** Forgot-password may create a password only for people no SSO-only organization covers (break glass aside). */
export function localPasswordAllowed(store: OrgStore) {
  return async (user: User) => (await enforcing(store, user.id)).every((o) => o.role === 'admin' && o.break_glass);
}

export interface SsoOnlySwitchDeps {
  store: OrgStore;
}

/**
 * Switches enforcement. `on` is refused (409) without a successful test sign-in, unless `orPending`
 * (bootstrap): then it waits as `pending`. Returns the mode now in force.
 */
export async function setSsoOnly(d: SsoOnlySwitchDeps, orgId: string, on: boolean, opts: { orPending?: boolean } = {}) {
  if (!on) {
    await d.store.setSsoOnly(orgId, 'off');
    return 'off' as const;
  }
  // On only while an enabled, tested connection exists: checked under the organization's lock (orgs/lockout-store.ts).
  if (await d.store.setSsoOnly(orgId, 'on')) return 'on' as const;
  if (!opts.orPending) {
    throw new AppError(
      'sso_only_untested',
      409,
      'SSO only can be switched on only after a successful test sign-in through an enabled connection of the organization (wayfinder connection test-url <id>)',
    );
  }
  const org = await d.store.findById(orgId);
  if (org?.sso_only !== 'on') await d.store.setSsoOnly(orgId, 'pending');
  return org?.sso_only === 'on' ? ('on' as const) : ('pending' as const);
}

/** After a successful test sign-in: enforcement that was waiting for it begins. */
export async function afterTestSignIn(store: OrgStore, orgId: string) {
  const org = await store.findById(orgId);
  // The connection could have been switched off meanwhile: then enforcement keeps waiting.
  if (org?.sso_only === 'pending') return store.setSsoOnly(orgId, 'on');
  return false;
}
