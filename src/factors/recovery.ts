/**
 * Recovery codes: ten random codes, shown once, stored as SHA-256 hashes (they carry 50 bits of
 * randomness each, so a fast hash is enough), each usable once. Issued with the first factor and
 * regenerated from My account (which retires the old set).
 */
import { createHash, randomInt } from 'node:crypto';
import type { Factor, FactorEnv } from './types.js';
import type { FactorStore } from './store.js';

const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
const normalize = (code: string) => code.toLowerCase().replace(/[^a-z0-9]/g, '');
const hash = (code: string) =>
  createHash('sha256')
    .update(`wayfinder-recovery:${normalize(code)}`)
    .digest('base64url');

export async function issueRecoveryCodes(store: FactorStore, userId: string): Promise<string[]> {
  const codes = Array.from({ length: 10 }, () => {
    const raw = Array.from({ length: 10 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
    return `${raw.slice(0, 5)}-${raw.slice(5)}`;
  });
  await store.replaceRecoveryCodes(userId, codes.map(hash));
  return codes;
}

export const recovery: Factor = {
  kind: 'recovery',
  amr: ['otp'],
  assurance: 'high',
  enrollable: false,

  async usable(env: FactorEnv, user) {
    const left = await env.store.recoveryCodesLeft(user.id);
    return left > 0
      ? [
          {
            id: 'recovery',
            user_id: user.id,
            kind: 'recovery',
            label: null,
            secret_enc: null,
            data: { left },
            confirmed_at: new Date(),
            created_at: new Date(),
            last_used_at: null,
          },
        ]
      : [];
  },

  async startChallenge(env, user) {
    return { template: 'factor-recovery', data: { left: await env.store.recoveryCodesLeft(user.id) } };
  },

  async verifyChallenge(env, user, form) {
    const code = normalize(String(form.code ?? ''));
    if (code.length !== 10) return { ok: false, error: 'factor.recovery_wrong' };
    if (!(await env.store.useRecoveryCode(user.id, hash(code)))) return { ok: false, error: 'factor.recovery_wrong' };
    await env.deps.audit(env.ctx, 'factor.recovery_code_used', 'info', user.id, { left: await env.store.recoveryCodesLeft(user.id) });
    return { ok: true };
  },
};
