/**
 * The account is checked again when a device redeems its approved code, not only when the person
 * approved it (a bypass other identity providers shipped: disable the person, or switch the company
 * to SSO only, and a code approved a minute earlier still yielded tokens). Rules:
 * - the account must still be active;
 * - a code approved without company sign-in is refused when an SSO-only organization now covers the
 *   person (break-glass administrators aside, as at sign-in);
 * - the session policy runs as for a reused session: a policy changed since the approval is
 *   evaluated on what the approval proved (its amr and acr).
 */
import type { Context } from 'koa';
import type { AccountStore, User } from '../accounts/store.js';
import type { SessionPolicy } from '../login/session-policy.js';
import type { DeviceCodeView } from '../oidc/device-codes.js';
import { AMR_FEDERATED } from '../connectors/federation.js';

export interface RedemptionDeps {
  accounts: AccountStore;
  sessionPolicy: SessionPolicy;
  localPasswordAllowed: (user: User) => Promise<boolean>;
}

export function createRedemptionCheck(d: RedemptionDeps) {
  return async (ctx: Context, code: DeviceCodeView & { accountId: string }): Promise<string | undefined> => {
    const user = await d.accounts.findUser(code.accountId);
    if (!user || user.status !== 'active') return 'account_inactive';
    const amr = code.amr ?? ['pwd'];
    if (!amr.includes(AMR_FEDERATED) && !(await d.localPasswordAllowed(user))) return 'sso_only';
    const meets = await d.sessionPolicy(ctx, { accountId: user.id, loginTs: code.authTime, amr, acr: code.acr }, code.clientId);
    return meets ? undefined : 'policy';
  };
}
