/**
 * The device's keys and signatures, written from the protocol Wayfinder documents (push-protocol.ts)
 * without sharing its code, the way a phone app would. Rules:
 * - the key pair is ECDSA P-256, generated here with WebCrypto; only the public half leaves the device;
 * - signatures are WebCrypto's ECDSA/SHA-256 output (r‖s, 64 bytes), base64url;
 * - a signed text is its purpose followed by its fields, one per line; timestamps are milliseconds;
 * - the pairing code is signed in its normal form (upper case, dashes and spaces removed).
 */
const subtle = globalThis.crypto.subtle;
const ECDSA = { name: 'ECDSA', namedCurve: 'P-256' } as const;

export interface PublicJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
}

export async function generateKeys(): Promise<{ publicKey: PublicJwk; privateKey: JsonWebKey }> {
  const pair = await subtle.generateKey(ECDSA, true, ['sign', 'verify']);
  const pub = await subtle.exportKey('jwk', pair.publicKey);
  return { publicKey: { kty: 'EC', crv: 'P-256', x: pub.x!, y: pub.y! }, privateKey: await subtle.exportKey('jwk', pair.privateKey) };
}

export async function sign(privateKey: JsonWebKey, text: string): Promise<string> {
  const key = await subtle.importKey('jwk', privateKey, ECDSA, false, ['sign']);
  const signature = await subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key, new TextEncoder().encode(text));
  return Buffer.from(signature).toString('base64url');
}

/** RFC 7638 thumbprint of the public key. */
export async function thumbprint(k: PublicJwk): Promise<string> {
  const canonical = JSON.stringify({ crv: k.crv, kty: k.kty, x: k.x, y: k.y });
  return Buffer.from(await subtle.digest('SHA-256', new TextEncoder().encode(canonical))).toString('base64url');
}

/** What the person compares with the page: the first 4 bytes of the thumbprint, in hex. */
export async function fingerprint(k: PublicJwk): Promise<string> {
  const hex = Buffer.from(await thumbprint(k), 'base64url')
    .subarray(0, 4)
    .toString('hex')
    .toUpperCase();
  return `${hex.slice(0, 4)} ${hex.slice(4)}`;
}

export const normalizeCode = (code: string) => code.toUpperCase().replace(/[^A-Z0-9]/g, '');

export const texts = {
  pair: (code: string, keyThumbprint: string, name: string, timestamp: number) =>
    `wayfinder-push-pair\n${code}\n${keyThumbprint}\n${name}\n${timestamp}`,
  poll: (deviceId: string, timestamp: number) => `wayfinder-push-poll\n${deviceId}\n${timestamp}`,
  answer: (challengeId: string, decision: 'approve' | 'deny', number: number | null, timestamp: number) =>
    `wayfinder-push-answer\n${challengeId}\n${decision}\n${number ?? ''}\n${timestamp}`,
};
