/**
 * Push sign-in requests, the device's side: fetching the waiting request (long-poll) and answering
 * it. Rules:
 * - a device proves itself on every call with a signature by its paired key over a fresh timestamp
 *   (see push-protocol.ts); the key is checked before anything about a request is looked up or
 *   revealed, and a refused signature is audited;
 * - only confirmed devices of the person a request is addressed to can see or answer it;
 * - the long-poll reads Postgres every POLL_MS for at most `push.longPollSeconds` (no in-memory
 *   state: any instance can serve it) and stops when the device hangs up;
 * - an answer settles a pending, unexpired request once: "deny" denies it; "approve" with the wrong
 *   number also denies it and is audited as a possible push-fatigue attack (the person is approving
 *   prompts they did not start); "approve" with the right number approves it;
 * - a late answer (request expired) or a second answer is refused with 410 / 409.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { AppError } from '../lib/errors.js';
import { freshTimestamp, parseDeviceKey, signedText, verifySignature, type DeviceKey } from './push-protocol.js';
import type { ChallengeRow } from './push-store.js';
import type { FactorEnv } from './types.js';

const POLL_MS = 500;

/** The request as a device shows it. */
const forDevice = (c: ChallengeRow) => ({
  id: c.id,
  account: c.data.account ?? null,
  app: c.data.app ?? null,
  ip: c.data.ip ?? null,
  location: null as string | null, // no geo-IP database: say so rather than guess
  requestedAt: c.data.requestedAt ?? c.created_at.toISOString(),
  expiresAt: c.expires_at.toISOString(),
  numbers: c.data.candidates,
});

async function authenticate(env: FactorEnv, deviceId: string, timestamp: unknown, signature: unknown, text: (ts: number) => string) {
  const device = /^[0-9a-f-]{36}$/.test(deviceId) ? await env.deps.push.store.device(deviceId) : undefined;
  const key = device?.confirmed_at ? parseDeviceKey(device.data.publicKey) : undefined;
  if (!device || !key) throw new AppError('unknown_device', 401, 'this device is not paired (or was removed)');
  const ts = freshTimestamp(timestamp);
  if (ts === undefined) throw new AppError('stale_timestamp', 401, 'the timestamp is missing or too far from the server clock');
  if (!verifySignature(key as DeviceKey, text(ts), signature)) {
    await env.deps.audit(env.ctx, 'factor.push_bad_signature', 'failure', device.user_id, { deviceId });
    throw new AppError('invalid_signature', 401, 'the signature does not match the paired key');
  }
  return device;
}

/** Long-poll: the oldest request waiting for this device, or undefined after the poll window. */
export async function nextRequest(
  env: FactorEnv,
  deviceId: string,
  headers: { timestamp?: string; signature?: string },
  hangUp: AbortSignal,
) {
  const device = await authenticate(env, deviceId, headers.timestamp, headers.signature, (ts) => signedText.poll(deviceId, ts));
  const { store, longPollSeconds } = env.deps.push;
  const deadline = Date.now() + longPollSeconds * 1000;
  for (;;) {
    const c = await store.pendingForDevice(device.user_id, device.id);
    if (c) return forDevice(c);
    if (hangUp.aborted || Date.now() + POLL_MS > deadline) return undefined;
    try {
      await sleep(POLL_MS, undefined, { signal: hangUp });
    } catch {
      return undefined;
    }
  }
}

/** The body of POST /api/push/challenges/:id/answer (checked by the route's guard). */
export const answerInput = z.strictObject({
  deviceId: z.string().max(64),
  decision: z.enum(['approve', 'deny']),
  number: z.number().int().min(0).max(99).nullable().optional(),
  timestamp: z.number().int(),
  signature: z.string().max(200),
});

export async function answerRequest(env: FactorEnv, challengeId: string, a: z.output<typeof answerInput>) {
  const number = a.decision === 'approve' ? (a.number ?? null) : null;
  if (a.decision === 'approve' && number === null) throw new AppError('invalid_request', 400, 'an approval carries the number picked');
  const device = await authenticate(env, a.deviceId, a.timestamp, a.signature, (ts) =>
    signedText.answer(challengeId, a.decision, number, ts),
  );
  const { store } = env.deps.push;
  const c = await store.challenge(challengeId);
  if (!c || c.user_id !== device.user_id || !(c.data.devices as string[]).includes(device.id)) {
    throw new AppError('not_found', 404, 'no such sign-in request for this device');
  }
  const audit = (type: string, outcome: 'success' | 'failure' | 'info', data: Record<string, unknown> = {}) =>
    env.deps.audit(env.ctx, type, outcome, device.user_id, { challengeId, deviceId: device.id, ...data });

  let status: 'approved' | 'denied';
  let reason: string | undefined;
  if (a.decision === 'deny') [status, reason] = ['denied', 'device_denied'];
  else if (number === c.data.number) status = 'approved';
  else [status, reason] = ['denied', 'number_mismatch'];

  if (!(await store.settle(c.id, status, { answeredBy: device.id, reason: reason ?? null, answeredAt: new Date().toISOString() }))) {
    const after = await store.challenge(c.id);
    if (after?.status === 'pending') await store.expire(c.id);
    if (!after || after.status === 'pending' || after.status === 'expired')
      throw new AppError('expired', 410, 'this sign-in request has expired');
    throw new AppError('already_answered', 409, 'this sign-in request was already answered');
  }
  await store.touchDevice(device.id);
  if (status === 'approved') await audit('factor.push_approved', 'success');
  else if (reason === 'number_mismatch') await audit('factor.push_number_mismatch', 'failure', { possiblePushFatigue: true });
  else await audit('factor.push_denied', 'info');
  return { status, ...(reason ? { reason } : {}) };
}
