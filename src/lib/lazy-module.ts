/**
 * Libraries that only some requests need — SAML (samlify, libxml2, xml-crypto), passkeys, phone
 * numbers, QR codes, SMTP, the common-password list — are loaded on first use rather than at start:
 * each costs 10–40 MB of resident memory (measured: libxmljs 42, @simplewebauthn/server 31, samlify
 * 16, nodemailer 15, zxcvbn-ts dictionaries 13, libphonenumber-js/max 12, qrcode 10), which an
 * instance serving only OIDC sign-ins never needs. `require` (not `import()`) keeps the callers
 * synchronous; all of these are CommonJS packages.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * `load()` requires `id` the first time it is called, runs `init` once on it, and returns it;
 * `load.loaded()` says whether that has happened.
 */
export function lazyModule<T>(id: string, init?: (mod: T) => void): (() => T) & { loaded(): boolean } {
  let mod: T | undefined;
  const load = () => {
    if (mod === undefined) {
      const required = require(id) as T;
      init?.(required);
      mod = required;
    }
    return mod;
  };
  return Object.assign(load, { loaded: () => mod !== undefined });
}
