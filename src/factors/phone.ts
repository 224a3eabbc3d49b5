/**
 * Phone numbers for SMS codes (libphonenumber-js with full metadata). Rules: a number is written in
 * international form (+ and country code) and must be a valid number of a kind that receives text
 * messages; premium-rate, shared-cost, toll-free and landline numbers are refused (they are what SMS
 * pumping sends to). Numbers are kept as E.164 and shown masked (country code and last two digits).
 */
import type * as PhoneNumbers from 'libphonenumber-js/max';
import { lazyModule } from '../lib/lazy-module.js';

/** Loaded on first use (src/lib/lazy-module.ts): the full metadata is 12 MB of memory. */
const phoneNumbers = lazyModule<typeof PhoneNumbers>('libphonenumber-js/max');

const TEXTABLE = new Set(['MOBILE', 'FIXED_LINE_OR_MOBILE', 'PERSONAL_NUMBER', 'VOIP']);

/** The E.164 form of a number a person typed, or undefined when it is not a textable number. */
export function toE164(input: string): string | undefined {
  const text = String(input ?? '').trim();
  if (!text.startsWith('+') || text.length > 32) return undefined;
  const parsed = phoneNumbers().parsePhoneNumberFromString(text);
  if (!parsed?.isValid()) return undefined;
  const type = parsed.getType();
  return type && TEXTABLE.has(type) ? parsed.number : undefined;
}

/** "+33 6 12 34 56 78" → "+33 • •• •• •• 78". */
export function maskPhone(e164: string): string {
  const parsed = phoneNumbers().parsePhoneNumberFromString(e164);
  if (!parsed) return '•••';
  const intl = parsed.formatInternational();
  const prefix = `+${parsed.countryCallingCode}`;
  const rest = intl.slice(prefix.length);
  const digits = rest.replace(/\D/g, '').length;
  let seen = 0;
  return prefix + rest.replace(/\d/g, (d) => (++seen > digits - 2 ? d : '•'));
}
