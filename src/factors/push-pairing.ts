/**
 * Pairing an authenticator device for push approval. Rules:
 * - the enrolment page shows a QR code of a pairing link (https, our issuer, the code and the
 *   account in the fragment, so a phone camera opening it never sends the code to a server log)
 *   and the same code as text; the code is one-time, 100 random bits, valid PAIRING_SECONDS, stored
 *   hashed (the hash is the row id) and sealed (so the page can show it again while it waits);
 * - the device generates its ECDSA P-256 key pair itself and sends only the public key, its name and
 *   a signature over the code and the key's thumbprint by the new private key (proof of possession);
 * - a code pairs one device once; the paired device stays unusable until the person confirms it on
 *   the page, after comparing the key fingerprint shown on both sides (someone who read the QR code
 *   over a shoulder and paired first is caught there, and "start again" throws their device away);
 * - the page refreshes itself (meta refresh, no JavaScript) until the device has paired.
 */
import { createHash, randomInt, randomUUID } from 'node:crypto';
import { qrDataUrl } from './qr.js';
import { z } from 'zod';
import type { User } from '../accounts/store.js';
import { AppError } from '../lib/errors.js';
import { REFRESH_SECONDS } from './push-challenges.js';
import { fingerprint, freshTimestamp, parseDeviceKey, parseDeviceName, signedText, thumbprint, verifySignature } from './push-protocol.js';
import type { FactorEnv, VerifyResult, View } from './types.js';
import { interactionUid } from '../http/route-fields.js';

export const PAIRING_SECONDS = 600;
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'; // 32 symbols, no 0/O or 1/I: 20 of them carry 100 bits

const normalizeCode = (code: string) => code.toUpperCase().replace(/[^A-Z0-9]/g, '');
const pairingId = (code: string) => `pair_${createHash('sha256').update(`wayfinder-push-pairing:${code}`).digest('base64url')}`;
const grouped = (code: string) => code.replace(/(.{5})(?=.)/g, '$1-');

/** Where the waiting page refreshes to: itself (a sign-in's factor page, or the page that enrols). */
function pageUrl(env: FactorEnv) {
  const uid = interactionUid(env.ctx);
  if (env.ctx.method === 'GET') return env.ctx.originalUrl;
  return uid ? `/interaction/${uid}/factor` : env.ctx.path;
}

export async function pairingView(env: FactorEnv, user: User): Promise<View> {
  const { store } = env.deps.push;
  const latest = await store.latestPairing(user.id, new Date(Date.now() - PAIRING_SECONDS * 1000));
  if (latest?.status === 'used' && latest.factor_id) {
    const device = await store.device(latest.factor_id);
    const key = device && !device.confirmed_at ? parseDeviceKey(device.data.publicKey) : undefined;
    if (device && key) return { template: 'enrol-push', data: { state: 'paired', device: device.label, fingerprint: fingerprint(key) } };
  }
  let code: string;
  if (latest?.status === 'pending' && latest.expires_at > new Date()) {
    code = env.open(String(latest.data.sealed));
  } else {
    await env.store.deleteUnconfirmed(user.id, 'push');
    code = Array.from({ length: 20 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
    await store.insertPairing({ id: pairingId(code), userId: user.id, data: { sealed: env.seal(code) }, ttlSeconds: PAIRING_SECONDS });
  }
  const link = `${env.issuer}/api/push/pair#${new URLSearchParams({ code, user: user.email })}`;
  return {
    template: 'enrol-push',
    data: {
      state: 'waiting',
      link,
      code: grouped(code),
      issuer: env.issuer,
      minutes: PAIRING_SECONDS / 60,
      qr: await qrDataUrl(link, { margin: 1, width: 220 }),
      refresh: `${REFRESH_SECONDS};url=${pageUrl(env)}`,
    },
  };
}

/** The page's confirm step (or "that's not my device": start again with a new code). */
export async function confirmPairing(env: FactorEnv, user: User, form: Record<string, string>): Promise<VerifyResult> {
  const { store } = env.deps.push;
  const latest = await store.latestPairing(user.id, new Date(Date.now() - PAIRING_SECONDS * 1000));
  const device = latest?.status === 'used' && latest.factor_id ? await store.device(latest.factor_id) : undefined;
  if (form.restart === 'yes') {
    if (latest) await store.cancelPairing(latest.id);
    await env.store.deleteUnconfirmed(user.id, 'push');
    if (device) await env.deps.audit(env.ctx, 'factor.push_pairing_rejected', 'info', user.id, { deviceId: device.id });
    return { ok: false, error: 'factor.push_pairing_restarted' };
  }
  if (!device || device.user_id !== user.id || device.confirmed_at) return { ok: false, error: 'factor.push_not_paired' };
  await env.store.confirmFactor(device.id);
  return { ok: true, factorId: device.id };
}

/** The body of POST /api/push/pair (checked by the route's guard). */
export const pairInput = z.strictObject({
  code: z.string().max(64),
  name: z.string().max(200),
  publicKey: z.record(z.string(), z.unknown()),
  timestamp: z.number().int(),
  signature: z.string().max(200),
});

/** POST /api/push/pair from the device. */
export async function pairDevice(env: FactorEnv, p: z.output<typeof pairInput>) {
  const key = parseDeviceKey(p.publicKey);
  if (!key) throw new AppError('invalid_key', 400, 'publicKey must be a public ECDSA P-256 JWK');
  const name = parseDeviceName(p.name);
  if (!name) throw new AppError('invalid_name', 400, 'name must be 1 to 60 printable characters on one line');
  const ts = freshTimestamp(p.timestamp);
  if (ts === undefined) throw new AppError('stale_timestamp', 401, 'the timestamp is missing or too far from the server clock');
  const code = normalizeCode(p.code);
  const { store } = env.deps.push;
  const pairing = code.length === 20 ? await store.pairing(pairingId(code)) : undefined;
  if (!pairing || pairing.status !== 'pending' || pairing.expires_at <= new Date()) {
    throw new AppError('unknown_pairing_code', 404, 'this pairing code is unknown, used or expired: show a new one on the page');
  }
  if (!verifySignature(key, signedText.pair(code, thumbprint(key), name, ts), p.signature)) {
    throw new AppError('invalid_signature', 401, 'the signature does not prove possession of this key');
  }
  const deviceId = randomUUID();
  if (!(await store.usePairing(pairing.id, deviceId))) throw new AppError('unknown_pairing_code', 404, 'this pairing code was just used');
  await store.insertDevice({
    id: deviceId,
    userId: pairing.user_id,
    name,
    data: { deviceId, deviceName: name, publicKey: key, pairedAt: new Date().toISOString() },
  });
  await env.deps.audit(env.ctx, 'factor.push_paired', 'info', pairing.user_id, { deviceId });
  return { deviceId, fingerprint: fingerprint(key) };
}
