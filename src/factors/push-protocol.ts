/**
 * The push device protocol, Wayfinder's side: what a device signs and how we check it. Rules:
 * - a device key is an ECDSA P-256 public JWK (kty EC, crv P-256, x, y) that lies on the curve; a
 *   key carrying a private part (`d`) is refused, so a careless device never hands us its secret;
 * - signatures are ECDSA P-256 over SHA-256 in IEEE P1363 form (r‖s, 64 bytes, base64url), which is
 *   what WebCrypto and phone keystores produce;
 * - every signed text starts with its purpose and joins its fields with newlines (fields never hold
 *   one), so a signature made for one step never passes for another;
 * - timestamps are integer milliseconds since the epoch, accepted within MAX_SKEW_MS of our clock.
 * The reference authenticator (src/authenticator/) implements the device side on its own, from this
 * description, the way a phone app would: the end-to-end tests check that the two agree.
 */
import { createHash, createPublicKey, verify } from 'node:crypto';

export const MAX_SKEW_MS = 60_000;

export interface DeviceKey {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
}

const COORDINATE = /^[A-Za-z0-9_-]{43}$/;
const SIGNATURE = /^[A-Za-z0-9_-]{86}$/;

export function parseDeviceKey(input: unknown): DeviceKey | undefined {
  if (!input || typeof input !== 'object' || Array.isArray(input)) return undefined;
  const k = input as Record<string, unknown>;
  if (k.kty !== 'EC' || k.crv !== 'P-256' || 'd' in k) return undefined;
  if (typeof k.x !== 'string' || typeof k.y !== 'string' || !COORDINATE.test(k.x) || !COORDINATE.test(k.y)) return undefined;
  const key: DeviceKey = { kty: 'EC', crv: 'P-256', x: k.x, y: k.y };
  try {
    createPublicKey({ key: { ...key }, format: 'jwk' }); // throws when the point is not on the curve
  } catch {
    return undefined;
  }
  return key;
}

/** RFC 7638 thumbprint of the key (SHA-256, base64url). */
export const thumbprint = (k: DeviceKey) =>
  createHash('sha256')
    .update(JSON.stringify({ crv: k.crv, kty: k.kty, x: k.x, y: k.y }))
    .digest('base64url');

/** What a person compares between the page and the device when pairing: 8 hex digits of the thumbprint. */
export function fingerprint(k: DeviceKey) {
  const hex = Buffer.from(thumbprint(k), 'base64url').subarray(0, 4).toString('hex').toUpperCase();
  return `${hex.slice(0, 4)} ${hex.slice(4)}`;
}

export type Decision = 'approve' | 'deny';

/** The texts a device signs. */
export const signedText = {
  pair: (code: string, keyThumbprint: string, name: string, timestamp: number) =>
    ['wayfinder-push-pair', code, keyThumbprint, name, String(timestamp)].join('\n'),
  poll: (deviceId: string, timestamp: number) => ['wayfinder-push-poll', deviceId, String(timestamp)].join('\n'),
  answer: (challengeId: string, decision: Decision, number: number | null, timestamp: number) =>
    ['wayfinder-push-answer', challengeId, decision, number === null ? '' : String(number), String(timestamp)].join('\n'),
};

export function verifySignature(key: DeviceKey, text: string, signature: unknown): boolean {
  if (typeof signature !== 'string' || !SIGNATURE.test(signature)) return false;
  try {
    return verify(
      'sha256',
      Buffer.from(text, 'utf8'),
      { key: createPublicKey({ key: { ...key }, format: 'jwk' }), dsaEncoding: 'ieee-p1363' },
      Buffer.from(signature, 'base64url'),
    );
  } catch {
    return false;
  }
}

/** The timestamp as a number when it is an integer close enough to now; undefined when stale or malformed. */
export function freshTimestamp(input: unknown, now = Date.now()): number | undefined {
  const ts = typeof input === 'string' && /^\d{1,16}$/.test(input) ? Number(input) : input;
  return typeof ts === 'number' && Number.isSafeInteger(ts) && Math.abs(now - ts) <= MAX_SKEW_MS ? ts : undefined;
}

/** Device names are shown on pages and signed as sent: printable, one line, trimmed, 1–60 characters. */
export function parseDeviceName(input: unknown): string | undefined {
  if (typeof input !== 'string' || input !== input.trim()) return undefined;
  return input.length >= 1 && input.length <= 60 && !/[\p{Cc}\p{Cf}\u2028\u2029]/u.test(input) ? input : undefined;
}
