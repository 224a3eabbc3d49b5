/**
 * The keys that sign cookies (koa's and oidc-provider's `<name>.sig` cookies), in keygrip's format:
 * HMAC-SHA1 of `name=value` with a key, base64url without padding. The first key signs; every key
 * verifies, so a rotated-out key still reads cookies it signed until it is removed. Rules:
 * - a signature is checked with one HMAC per key and a constant-time comparison; keygrip (the default
 *   of koa and oidc-provider) compares through tsscmp, two more HMACs for every signed cookie read
 *   (issue 18: a sign-in reads about 20);
 * - a signature of another length, or not matching, is "no key" (-1): the cookie is ignored.
 * Both apps take this object in place of a list of keys (cookies' `keys` option accepts a keygrip).
 */
import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';

export interface CookieKeys {
  sign(data: string): string;
  verify(data: string, digest: string): boolean;
  index(data: string, digest: string): number;
}

export function cookieKeys(keys: readonly string[]): CookieKeys {
  if (!keys.length) throw new Error('cookie keys must be given');
  const secrets: KeyObject[] = keys.map((k) => createSecretKey(Buffer.from(k, 'utf8')));
  const mac = (key: KeyObject, data: string) => createHmac('sha1', key).update(data).digest();
  return {
    sign: (data) => mac(secrets[0], data).toString('base64url'),
    verify(data, digest) {
      return this.index(data, digest) > -1;
    },
    index(data, digest) {
      if (typeof digest !== 'string') return -1;
      const given = Buffer.from(digest, 'utf8');
      for (let i = 0; i < secrets.length; i++) {
        const expected = Buffer.from(mac(secrets[i], data).toString('base64url'), 'utf8');
        if (expected.length === given.length && timingSafeEqual(expected, given)) return i;
      }
      return -1;
    },
  };
}
