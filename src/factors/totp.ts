/**
 * Authenticator app (TOTP, RFC 6238) with otplib. Rules: 30-second steps, one step of clock drift
 * either side; a code (time step) already accepted is refused, atomically, so a code seen over a
 * shoulder cannot be replayed; secrets are sealed at rest; enrolment shows a QR code and the secret
 * for manual entry, and only a correct code confirms it. New secrets are 160 bits; secrets carried over
 * from another provider may be as short as 80 bits (RFC 4226's minimum; bootstrap refuses shorter).
 */
import { createGuardrails, generateSecret, generateSync, generateURI, verify } from 'otplib';
import { qrDataUrl } from './qr.js';
import type { Factor, FactorEnv, VerifyResult } from './types.js';
import type { User } from '../accounts/store.js';

/** RFC 4226 §4 allows secrets of 128 bits down to 80 (otplib's default refuses under 128). */
export const TOTP_MIN_SECRET_BYTES = 10;
const guardrails = createGuardrails({ MIN_SECRET_BYTES: TOTP_MIN_SECRET_BYTES });

/** Why a base32 secret cannot be used (not base32, shorter than 80 bits), or undefined when it can. */
export function totpSecretProblem(secret: string): string | undefined {
  try {
    generateSync({ secret, guardrails });
    return undefined;
  } catch (err) {
    return err instanceof Error && err.name === 'SecretTooShortError' ? 'shorter than 80 bits' : `not usable: ${(err as Error).message}`;
  }
}

async function check(secret: string, token: string) {
  if (!/^\d{6}$/.test(token)) return undefined;
  // A secret otplib cannot use (stored before bootstrap checked them) matches no code: never a 500.
  const result = await verify({ secret, token, epochTolerance: 30, guardrails }).catch(() => ({ valid: false as const }));
  return result.valid ? (result as { timeStep: number }).timeStep : undefined;
}

export const totp: Factor = {
  kind: 'totp',
  amr: ['otp'],
  assurance: 'high',
  enrollable: true,

  async usable(env, user) {
    return (await env.store.factorsOf(user.id)).filter((f) => f.kind === 'totp' && f.confirmed_at);
  },

  async startChallenge() {
    return { template: 'factor-totp', data: {} };
  },

  async verifyChallenge(env, user, form): Promise<VerifyResult> {
    const token = String(form.code ?? '').replace(/\s/g, '');
    for (const f of await this.usable(env, user)) {
      const step = await check(env.open(f.secret_enc!), token);
      if (step === undefined) continue;
      if (!(await env.store.advanceTotpStep(f.id, step))) return { ok: false, error: 'factor.code_used' };
      return { ok: true, factorId: f.id };
    }
    return { ok: false, error: 'factor.code_wrong' };
  },

  async startEnrolment(env: FactorEnv, user: User) {
    // Showing the page again (after a wrong code) keeps the secret the person's app already has.
    const pending = (await env.store.factorsOf(user.id))
      .filter((f) => f.kind === 'totp' && !f.confirmed_at && Date.now() - f.created_at.getTime() < 3600e3)
      .pop();
    let secret = pending ? env.open(pending.secret_enc!) : undefined;
    if (!secret) {
      await env.store.deleteUnconfirmed(user.id, 'totp');
      secret = generateSecret({ length: 20 });
      await env.store.insertFactor({ user_id: user.id, kind: 'totp', label: 'Authenticator app', secret_enc: env.seal(secret) });
    }
    const uri = generateURI({
      issuer: new URL(env.issuer).host === 'localhost' ? 'Wayfinder' : `Wayfinder (${new URL(env.issuer).host})`,
      label: user.email,
      secret,
    });
    return {
      template: 'enrol-totp',
      data: { qr: await qrDataUrl(uri, { margin: 1, width: 200 }), secret: secret.replace(/(.{4})/g, '$1 ').trim(), uri },
    };
  },

  async finishEnrolment(env, user, form): Promise<VerifyResult> {
    const pending = (await env.store.factorsOf(user.id)).filter((f) => f.kind === 'totp' && !f.confirmed_at).pop();
    if (!pending) return { ok: false, error: 'factor.enrol_expired' };
    const step = await check(env.open(pending.secret_enc!), String(form.code ?? '').replace(/\s/g, ''));
    if (step === undefined) return { ok: false, error: 'factor.code_wrong' };
    await env.store.confirmFactor(pending.id, { data: { lastStep: step } });
    return { ok: true, factorId: pending.id };
  },
};
