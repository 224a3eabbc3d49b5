/**
 * Uploaded app icons. Rules: PNG, JPEG or WebP only, recognised by their first bytes (never by a file
 * name or a declared type; SVG, which can carry script, is refused), at most 256 KB; served from
 * Wayfinder with their own content type, `nosniff`, and an etag that is also in the URL (so a
 * browser may keep it for a year).
 */
import { createHash } from 'node:crypto';
import { badRequest } from '../lib/errors.js';

export const MAX_ICON_BYTES = 256 * 1024;

export function iconType(bytes: Buffer): 'image/png' | 'image/jpeg' | 'image/webp' | undefined {
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.length >= 12 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') return 'image/webp';
  return undefined;
}

/** The checked icon with its type and etag, or a 400 saying what is wrong. */
export function checkIcon(bytes: Buffer) {
  if (bytes.length === 0) throw badRequest('bad_icon', 'the icon file is empty');
  if (bytes.length > MAX_ICON_BYTES) throw badRequest('bad_icon', `the icon is too large (at most ${MAX_ICON_BYTES / 1024} KB)`);
  const type = iconType(bytes);
  if (!type) throw badRequest('bad_icon', 'the icon must be a PNG, JPEG or WebP image (SVG is not accepted)');
  return { bytes, type, etag: createHash('sha256').update(bytes).digest('base64url').slice(0, 22) };
}
