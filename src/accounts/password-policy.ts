/**
 * Password rules after NIST SP 800-63B: a minimum length, a maximum that keeps hashing cheap to refuse,
 * no composition rules, and a refusal of common and breached passwords (the 49k-entry list bundled
 * with zxcvbn-ts) and of passwords built from the person's own email address.
 * Returns the i18n key of the problem, or undefined when the password is acceptable.
 */
import type * as LanguageCommon from '@zxcvbn-ts/language-common';
import { lazyModule } from '../lib/lazy-module.js';

/** The dictionaries (13 MB in memory) are loaded when a password is first set, never by sign-ins. */
const languageCommon = lazyModule<typeof LanguageCommon>('@zxcvbn-ts/language-common');

let common: Set<string> | undefined;

export function passwordProblem(password: string, minLength: number, email?: string): string | undefined {
  if (typeof password !== 'string' || [...password].length < minLength) return 'password.too_short';
  if (password.length > 256) return 'password.too_long';
  common ??= new Set(languageCommon().dictionary['passwords-common'].map((p) => p.toLowerCase()));
  const lower = password.toLowerCase();
  if (common.has(lower) || /^(.)\1+$/.test(password)) return 'password.too_common';
  if (email) {
    const local = email.toLowerCase().split('@')[0];
    if (lower === email.toLowerCase() || (local.length >= 4 && lower.includes(local) && lower.length - local.length < 4))
      return 'password.like_email';
  }
  return undefined;
}
