/** The use-cases behind My account's profile and linked sign-ins, assembled once (features.ts). */
import type { Audit } from '../audit/index.js';
import type { Db } from '../db/index.js';
import type { RateLimiter } from '../login/throttle.js';
import type { Mailer } from '../notify/mailer.js';
import { createEmailChange } from './email-change.js';
import { createLinkedSignIns } from './linked-sign-ins.js';
import { createProfileStore } from './profile-store.js';
import type { AccountStore, User } from './store.js';

export interface MyAccountFeatureDeps {
  db: Db;
  issuer: string;
  accounts: AccountStore;
  mailer: Mailer;
  audit: Audit;
  limiter: RateLimiter;
  localPasswordAllowed: (user: User) => Promise<boolean>;
}

export function createMyAccount(d: MyAccountFeatureDeps) {
  const profile = createProfileStore(d.db);
  const emailChange = createEmailChange({ ...d, profile });
  const linked = createLinkedSignIns({ ...d, profile });
  return {
    emailChange,
    linked,
    /** The profile card's data: whether the address is managed elsewhere, and whether a password can confirm a change. */
    profileSection: () => async (_ctx: unknown, userId: string) => ({
      emailManaged: await profile.isManaged(userId),
      hasPassword: !!(await d.accounts.passwordHash(userId)),
    }),
  };
}
export type MyAccount = ReturnType<typeof createMyAccount>;
