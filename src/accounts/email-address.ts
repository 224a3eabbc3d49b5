/**
 * Email addresses, internationalized (RFC 6531, SMTPUTF8): a local part may hold any Unicode letter
 * (`zoë@…`, `зоя@…`), a domain may be an IDN (`exämple.test`). An address is kept as the person
 * typed it (NFC, trimmed), looked up by one normal form — NFC, lowercase, domain in punycode — and
 * delivered to its punycode domain (for a non-ASCII local part nodemailer uses SMTPUTF8, where RFC 6531
 * allows the UTF-8 domain, and sends that).
 */
import { domainToASCII } from 'node:url';

/** Printable ASCII allowed unquoted in a local part (RFC 5322 atext), or any non-ASCII character. */
const LOCAL = /^(?:[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]|[^\p{ASCII}])+(?:\.(?:[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]|[^\p{ASCII}])+)*$/u;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
/** Unicode separators, controls and format characters never belong in an address. */
const INVISIBLE = /[\p{Z}\p{Cc}\p{Cf}]/u;

function split(address: string): [string, string] | undefined {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return undefined;
  return [address.slice(0, at), address.slice(at + 1)];
}

/** The domain in ASCII (punycode), or undefined when it is not a usable host name. */
export function asciiDomain(domain: string): string | undefined {
  if (!domain || INVISIBLE.test(domain) || domain.endsWith('.')) return undefined;
  const ascii = domainToASCII(domain.normalize('NFC'));
  if (!ascii || ascii.length > 253) return undefined;
  const labels = ascii.split('.');
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l)) || /^\d+$/.test(labels[labels.length - 1])) return undefined;
  return ascii;
}

/** The address as stored and shown: trimmed and NFC-composed. */
export const cleanEmail = (address: string) => address.trim().normalize('NFC');

/** True for a well-formed (possibly internationalized) address. */
export function isEmailAddress(address: string): boolean {
  const parts = split(cleanEmail(address));
  if (!parts) return false;
  const [local, domain] = parts;
  if (Buffer.byteLength(local) > 64 || INVISIBLE.test(local) || !LOCAL.test(local)) return false;
  return asciiDomain(domain) !== undefined && Buffer.byteLength(cleanEmail(address)) <= 254;
}

/** The one form used to look a person up: NFC, lowercase, domain in punycode. */
export function normalizeEmail(address: string): string {
  const clean = cleanEmail(address).toLowerCase();
  const parts = split(clean);
  if (!parts) return clean;
  return `${parts[0]}@${asciiDomain(parts[1]) ?? parts[1]}`;
}

/** Where mail goes: the local part as typed, the domain in punycode. */
export function deliveryAddress(address: string): string {
  const parts = split(cleanEmail(address));
  if (!parts) return address;
  return `${parts[0]}@${asciiDomain(parts[1]) ?? parts[1]}`;
}
