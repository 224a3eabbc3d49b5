/**
 * The authenticator's HTTP client for Wayfinder's push device API (/api/push/…). Rules: every call
 * after pairing is signed by the device key over a fresh timestamp; plain http is refused except to
 * this machine (loopback), so a key is never paired over the open network in clear text; errors
 * carry the server's { error, error_description } so the person sees why.
 */
import { sign, texts, type PublicJwk } from './device.js';
import type { DeviceState } from './state.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface PushRequest {
  id: string;
  account: string | null;
  app: string | null;
  ip: string | null;
  location: string | null;
  requestedAt: string;
  expiresAt: string;
  numbers: number[];
}

export function checkIssuer(issuer: string) {
  const url = new URL(issuer);
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new ApiError(0, 'insecure_server', `refusing ${url.origin}: use https (plain http only to this machine)`);
  }
  return url.origin;
}

async function call(url: string, init: RequestInit & { timeoutMs?: number }) {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(init.timeoutMs ?? 15_000) });
  } catch (err) {
    if ((err as Error).name === 'TimeoutError') return undefined;
    throw new ApiError(0, 'unreachable', `cannot reach ${new URL(url).origin}: ${(err as Error).message}`);
  }
  if (res.status === 204) return undefined;
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) throw new ApiError(res.status, String(body.error ?? res.status), String(body.error_description ?? `HTTP ${res.status}`));
  return body;
}

const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

export async function pair(issuer: string, p: { code: string; name: string; publicKey: PublicJwk; timestamp: number; signature: string }) {
  return (await call(`${checkIssuer(issuer)}/api/push/pair`, json(p))) as { deviceId: string; fingerprint: string };
}

/** One long-poll: the waiting request, or undefined when none came within `timeoutMs` (or the server's window). */
export async function next(state: DeviceState, timeoutMs: number): Promise<PushRequest | undefined> {
  const timestamp = Date.now();
  const signature = await sign(state.privateKey, texts.poll(state.deviceId, timestamp));
  const body = await call(`${checkIssuer(state.issuer)}/api/push/device/${encodeURIComponent(state.deviceId)}/next`, {
    headers: { 'x-wayfinder-timestamp': String(timestamp), 'x-wayfinder-signature': signature },
    timeoutMs,
  });
  return body?.challenge as PushRequest | undefined;
}

export async function answer(state: DeviceState, challengeId: string, decision: 'approve' | 'deny', number: number | null) {
  const timestamp = Date.now();
  const signature = await sign(state.privateKey, texts.answer(challengeId, decision, number, timestamp));
  return (await call(
    `${checkIssuer(state.issuer)}/api/push/challenges/${encodeURIComponent(challengeId)}/answer`,
    json({ deviceId: state.deviceId, decision, number, timestamp, signature }),
  )) as { status: 'approved' | 'denied'; reason?: string };
}
