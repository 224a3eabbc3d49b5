/**
 * WebAuthn ceremonies with @simplewebauthn/server, shared by the second factor (webauthn.ts) and
 * passkey sign-in (passkeys.ts). Rules:
 * - the relying party is the issuer: RP ID = its hostname, the only accepted origin = its origin;
 * - a challenge is random (the library's 32 bytes), stored server-side, single use and short-lived;
 * - registration keeps the credential id, public key, signature counter, transports and whether the
 *   key can be synced; no attestation is asked for (we do not restrict authenticator makes);
 * - an assertion must be for a stored credential and carry a signature counter that moved forward
 *   (the library checks it; the store re-checks atomically), or both stay 0 (authenticators without one);
 * - browser answers are JSON of bounded size; anything malformed is "failed", never a 500.
 */
import type * as SimpleWebAuthn from '@simplewebauthn/server';
import type { AuthenticationResponseJSON, RegistrationResponseJSON, WebAuthnCredential } from '@simplewebauthn/server';
import { lazyModule } from '../lib/lazy-module.js';
import type { User } from '../accounts/store.js';
import type { FactorRow } from './store.js';

/** Loaded on the first ceremony (src/lib/lazy-module.ts). */
const webauthn = lazyModule<typeof SimpleWebAuthn>('@simplewebauthn/server');

export interface RelyingParty {
  rpID: string;
  origin: string;
  rpName: string;
}
export const relyingParty = (issuer: string): RelyingParty => ({
  rpID: new URL(issuer).hostname,
  origin: new URL(issuer).origin,
  rpName: 'Wayfinder',
});

/** What a webauthn row of user_factors keeps in `data`. */
export interface StoredCredential {
  credentialId: string;
  publicKey: string;
  counter: number;
  transports: string[];
  /** 'multiDevice': a synced passkey (its key is copied between devices); 'singleDevice': bound to one authenticator. */
  deviceType: 'singleDevice' | 'multiDevice';
  backedUp: boolean;
}

export const CHALLENGE_TTL_SECONDS = 300;
const stored = (row: FactorRow) => row.data as unknown as StoredCredential;

/**
 * RFC 8176 methods for a credential: 'hwk' (proof of possession of a hardware-secured key) when the
 * key is bound to one authenticator and cannot leave it; 'swk' (software-secured key) for a synced
 * passkey, whose private key is copied through a cloud keychain and so is not confined to hardware.
 */
export const keyAmr = (data: Record<string, unknown>) => [data.deviceType === 'multiDevice' ? 'swk' : 'hwk'];

const toCredential = (row: FactorRow): WebAuthnCredential => ({
  id: stored(row).credentialId,
  publicKey: new Uint8Array(Buffer.from(stored(row).publicKey, 'base64url')),
  counter: Number(stored(row).counter ?? 0),
  transports: stored(row).transports,
});
const descriptor = (row: FactorRow) => ({ id: stored(row).credentialId, transports: stored(row).transports });

/** Parses what the page script posted (the credential as JSON); undefined when it is not one. */
export function parseCredential<T extends RegistrationResponseJSON | AuthenticationResponseJSON>(text: unknown): T | undefined {
  if (typeof text !== 'string' || text.length < 10 || text.length > 16_384) return undefined;
  try {
    const value = JSON.parse(text) as T;
    return value && typeof value.id === 'string' && value.type === 'public-key' && typeof value.response === 'object' ? value : undefined;
  } catch {
    return undefined;
  }
}

export function registrationOptions(rp: RelyingParty, user: User, existing: FactorRow[]) {
  return webauthn().generateRegistrationOptions({
    rpName: rp.rpName,
    rpID: rp.rpID,
    userID: new Uint8Array(Buffer.from(user.id)),
    userName: user.email,
    userDisplayName: user.name ?? user.email,
    attestationType: 'none',
    excludeCredentials: existing.map(descriptor),
    // Discoverable when the authenticator can (so it also works for passkey sign-in); a PIN or
    // biometric when it has one. A plain security key still registers as a second factor.
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
  });
}

export async function verifyRegistration(
  rp: RelyingParty,
  expectedChallenge: string,
  response: RegistrationResponseJSON,
): Promise<StoredCredential | undefined> {
  try {
    const result = await webauthn().verifyRegistrationResponse({
      response,
      expectedChallenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.rpID,
      requireUserVerification: false,
    });
    if (!result.verified) return undefined;
    const { credential, credentialDeviceType, credentialBackedUp } = result.registrationInfo;
    return {
      credentialId: credential.id,
      publicKey: Buffer.from(credential.publicKey).toString('base64url'),
      counter: credential.counter,
      transports: (response.response.transports ?? []).filter((t) => typeof t === 'string').slice(0, 8),
      deviceType: credentialDeviceType,
      backedUp: credentialBackedUp,
    };
  } catch {
    return undefined;
  }
}

/** Options for navigator.credentials.get: for the given credentials, or (none given) any discoverable one. */
export function authenticationOptions(rp: RelyingParty, rows: FactorRow[] | undefined, userVerification: 'required' | 'discouraged') {
  return webauthn().generateAuthenticationOptions({ rpID: rp.rpID, allowCredentials: rows?.map(descriptor), userVerification });
}

/** Verifies an assertion for one stored credential; returns the authenticator's new counter, or why it failed. */
export async function verifyAssertion(
  rp: RelyingParty,
  expectedChallenge: string,
  response: AuthenticationResponseJSON,
  row: FactorRow,
  requireUserVerification: boolean,
) {
  try {
    const result = await webauthn().verifyAuthenticationResponse({
      response,
      expectedChallenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.rpID,
      credential: toCredential(row),
      requireUserVerification,
    });
    return result.verified
      ? { ok: true as const, newCounter: result.authenticationInfo.newCounter }
      : { ok: false as const, reason: 'invalid' };
  } catch (err) {
    // The library refuses a counter that did not move forward: a possibly cloned authenticator.
    return { ok: false as const, reason: /counter/i.test((err as Error).message) ? 'counter' : 'invalid' };
  }
}
