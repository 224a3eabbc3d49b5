/**
 * Every second factor, by kind. The `satisfies` makes a missing factor a compile error; adding a
 * factor means one file and one line here, never a change to the journey.
 */
import type { Factor, FactorKind } from './types.js';
import { totp } from './totp.js';
import { email } from './email.js';
import { recovery } from './recovery.js';
import { webauthn } from './webauthn.js';
import { sms } from './sms.js';
import { push } from './push.js';

export const FACTORS = {
  totp,
  email,
  recovery,
  push,
  sms,
  webauthn,
} satisfies Record<FactorKind, Factor>;

export function factorOf(kind: string): Factor | undefined {
  return Object.prototype.hasOwnProperty.call(FACTORS, kind) ? (FACTORS as Record<string, Factor>)[kind] : undefined;
}
