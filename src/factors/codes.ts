/**
 * One-time codes sent over a channel (email, SMS): six digits, stored hashed with the challenge,
 * valid 10 minutes, at most 5 guesses per code and a bounded number of sends per window. A code
 * belongs to the sign-in (interaction) that asked for it — or to My account when no sign-in did — and
 * is accepted only there; an expired code is no longer pending: the next page replaces and sends it.
 */
import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import type { User } from '../accounts/store.js';
import type { FactorEnv, VerifyResult } from './types.js';
import { interactionUid } from '../http/route-fields.js';

const hash = (code: string) => createHash('sha256').update(`wayfinder-code:${code}`).digest();

/** The sign-in a code belongs to: the interaction of the page ('' outside a sign-in). */
const signInOf = (env: FactorEnv) => interactionUid(env.ctx);

/** The live (pending, unexpired) code of this kind that this sign-in asked for, if any. */
export const pendingCode = (env: FactorEnv, user: User, kind: string) => env.store.pendingCode(user.id, kind, signInOf(env));

export async function sendCode(
  env: FactorEnv,
  user: User,
  kind: string,
  limit: { max: number; windowSeconds: number },
  deliver: (code: string) => Promise<void>,
  factorId?: string,
  extra: Record<string, unknown> = {},
) {
  const since = new Date(Date.now() - limit.windowSeconds * 1000);
  if ((await env.store.countChallengesSince(user.id, kind, since)) >= limit.max) return false;
  await env.store.expireCodes(user.id, kind, signInOf(env));
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  const data = { ...extra, signIn: signInOf(env), hash: hash(code).toString('base64url') };
  await env.store.insertChallenge({ user_id: user.id, kind, factor_id: factorId, data, ttlSeconds: 600 });
  await deliver(code);
  return true;
}

export async function checkCode(env: FactorEnv, user: User, kind: string, input: string): Promise<VerifyResult & { factorId?: string }> {
  const challenge = await pendingCode(env, user, kind);
  if (!challenge) return { ok: false, error: 'factor.code_expired' };
  if (challenge.attempts >= 5) return { ok: false, error: 'factor.code_expired' };
  const code = String(input ?? '').replace(/\s/g, '');
  const expected = Buffer.from(String(challenge.data.hash), 'base64url');
  if (!/^\d{6}$/.test(code) || !timingSafeEqual(hash(code), expected)) {
    await env.store.failChallenge(challenge.id);
    return { ok: false, error: 'factor.code_wrong' };
  }
  if (!(await env.store.setChallengeStatus(challenge.id, 'used'))) return { ok: false, error: 'factor.code_used' };
  return { ok: true, factorId: challenge.factor_id ?? undefined };
}
