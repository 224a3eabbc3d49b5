/**
 * samlify, set up once: every other file takes it from here (`samlify()`), so no samlify code runs
 * before our schema validator is installed (samlify consults it for every message it parses). It is
 * loaded on the first SAML request, not at start (src/lib/lazy-module.ts).
 * Also the SAML constants we use by name.
 */
import type * as SamlifyModule from 'samlify';
import { lazyModule } from '../lib/lazy-module.js';
import type { XmlValidator } from './validator.js';

export type Samlify = typeof SamlifyModule;

let installed: XmlValidator | undefined;

/** samlify, loaded and tuned on the first call, with the installed validator. */
export const samlify = lazyModule<Samlify>('samlify', (lib) => {
  memoizeKeyInfo(lib);
  if (installed) setValidator(lib, installed);
});

export const BINDINGS = {
  redirect: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect',
  post: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
} as const;

export const STATUS = {
  success: 'urn:oasis:names:tc:SAML:2.0:status:Success',
  requester: 'urn:oasis:names:tc:SAML:2.0:status:Requester',
  responder: 'urn:oasis:names:tc:SAML:2.0:status:Responder',
  noPassive: 'urn:oasis:names:tc:SAML:2.0:status:NoPassive',
  authnFailed: 'urn:oasis:names:tc:SAML:2.0:status:AuthnFailed',
  requestDenied: 'urn:oasis:names:tc:SAML:2.0:status:RequestDenied',
  invalidNameIdPolicy: 'urn:oasis:names:tc:SAML:2.0:status:InvalidNameIDPolicy',
  partialLogout: 'urn:oasis:names:tc:SAML:2.0:status:PartialLogout',
} as const;

export const AUTHN_CONTEXT = {
  password: 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport',
  // "Multi-factor" in the sense REFEDS publishes for SAML (https://refeds.org/profile/mfa).
  mfa: 'https://refeds.org/profile/mfa',
} as const;

/** Signature and digest algorithms accepted on inbound messages; SHA-1 only for an SP that opts in. */
export const SIGNATURE_ALGORITHMS = [
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512',
];
export const DIGEST_ALGORITHMS = ['http://www.w3.org/2001/04/xmlenc#sha256', 'http://www.w3.org/2001/04/xmlenc#sha512'];
export const SHA1 = { signature: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1', digest: 'http://www.w3.org/2000/09/xmldsig#sha1' };

/**
 * samlify parses the signing certificate (X.509, then exports its public key) twice for every
 * response it signs, only to compute a value the signature never uses. Remember that result per
 * certificate: a pure function of its input, so nothing else changes. Measured ~1 ms per response.
 */
function memoizeKeyInfo(samlifyModule: Samlify) {
  const lib = samlifyModule.SamlLib;
  const original = lib.getKeyInfo.bind(lib);
  const memo = new Map<string, ReturnType<typeof original>>();
  lib.getKeyInfo = (certificate, config) => {
    const key = `${config?.prefix ?? ''}\n${certificate}`;
    let hit = memo.get(key);
    if (!hit) {
      const made = original(certificate, config);
      const pem = made.getKey();
      hit = { getKeyInfo: made.getKeyInfo, getKey: () => pem };
      if (memo.size > 64) memo.clear();
      memo.set(key, hit);
    }
    return hit;
  };
}

function setValidator(lib: Samlify, validator: XmlValidator) {
  lib.setSchemaValidator({
    validate: async (xml: string) => {
      validator.validate(xml, 'protocol');
      return 'valid';
    },
  });
}

/**
 * Makes samlify validate every message with `validator` (the last call wins): at once if samlify is
 * loaded, else when it is.
 */
export function installValidator(validator: XmlValidator) {
  if (installed === validator) return;
  installed = validator;
  if (samlify.loaded()) setValidator(samlify(), validator);
}
