/** Device sign-in (RFC 8628): the guards in front of oidc-provider's device flow, wired from the shared parts. */
import type { AccountStore, User } from '../accounts/store.js';
import type { Audit } from '../audit/index.js';
import type { Config } from '../config/schema.js';
import type { Db } from '../db/index.js';
import type { SessionPolicy } from '../login/session-policy.js';
import type { Throttle } from '../login/throttle.js';
import type { DeviceCodes } from '../oidc/device-codes.js';
import { deviceGuards } from './guards.js';
import { createRedemptionCheck } from './redemption.js';
import { createDeviceStore } from './store.js';

export function createDeviceSignIn(d: {
  db: Db;
  config: Config;
  codes: DeviceCodes;
  throttle: Throttle;
  audit: Audit;
  accounts: AccountStore;
  sessionPolicy: SessionPolicy;
  localPasswordAllowed: (user: User) => Promise<boolean>;
}) {
  const store = createDeviceStore(d.db);
  const guards = deviceGuards({
    issuer: d.config.server.issuer,
    codes: d.codes,
    store,
    throttle: d.throttle,
    audit: d.audit,
    interval: d.config.device.pollIntervalSeconds,
    codeSeconds: d.config.device.userCodeSeconds,
    refusal: createRedemptionCheck({ accounts: d.accounts, sessionPolicy: d.sessionPolicy, localPasswordAllowed: d.localPasswordAllowed }),
  });
  return { guards, purgeExpired: () => store.purge() };
}
