/**
 * The ad hoc support protocol, Wayfinder's side (the reference support app, src/support-app/,
 * implements the other side on its own). Rules:
 * - a security code is 12 characters from an alphabet without look-alikes (no 0/O, 1/I, no vowels),
 *   shown as XXXX-XXXX-XXXX and read out over the phone; it is stored only as its SHA-256;
 * - the app holds an ECDSA P-256 key it generated; activation and every later call are signed with
 *   it (push-protocol.ts: signatures, timestamps, key checks), so the device credential is bound to
 *   that key and useless without it;
 * - each signed text starts with its purpose and joins its fields with newlines.
 */
import { createHash, randomInt } from 'node:crypto';

const ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ23456789';
const LENGTH = 12;

export function newSecurityCode(): string {
  let code = '';
  for (let i = 0; i < LENGTH; i += 1) code += ALPHABET[randomInt(ALPHABET.length)];
  return code;
}

/** As typed or read out: upper case, separators dropped; undefined when it cannot be a code. */
export function normalizeSecurityCode(raw: unknown): string | undefined {
  if (typeof raw !== 'string' || raw.length > 40) return undefined;
  const code = raw.toUpperCase().replace(/[\s-]/g, '');
  return code.length === LENGTH && [...code].every((c) => ALPHABET.includes(c)) ? code : undefined;
}

export const formatSecurityCode = (code: string) => code.match(/.{1,4}/g)!.join('-');

export const hashSecurityCode = (code: string) => createHash('sha256').update(`wayfinder-support-code\n${code}`).digest('base64url');

export const supportText = {
  activate: (code: string, keyThumbprint: string, timestamp: number) =>
    ['wayfinder-support-activate', code, keyThumbprint, String(timestamp)].join('\n'),
  status: (sessionId: string, timestamp: number) => ['wayfinder-support-status', sessionId, String(timestamp)].join('\n'),
};
