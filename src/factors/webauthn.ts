/**
 * Passkeys and security keys (WebAuthn) as a second factor. Rules:
 * - high assurance; amr 'hwk' for a key bound to its authenticator, 'swk' for a synced passkey
 *   (see keyAmr in webauthn-ceremony.ts for why);
 * - the challenge page asks only for the person's own credentials, user presence suffices (the
 *   password was the first factor: userVerification 'discouraged'); the challenge is single use;
 * - registration excludes credentials already registered, keeps what webauthn-ceremony.ts lists,
 *   and is confirmed by the attestation itself (no separate code);
 * - a signature counter that did not move forward refuses the sign-in and is audited;
 * - the pages need JavaScript (navigator.credentials); they say so when it is off.
 */
import type { User } from '../accounts/store.js';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { Factor, FactorEnv, VerifyResult } from './types.js';
import {
  authenticationOptions,
  CHALLENGE_TTL_SECONDS,
  keyAmr,
  parseCredential,
  registrationOptions,
  relyingParty,
  verifyAssertion,
  verifyRegistration,
} from './webauthn-ceremony.js';

const REGISTER = 'webauthn-register';

async function issueChallenge(env: FactorEnv, user: User, kind: string, challenge: string) {
  await env.store.expireChallenges(user.id, kind);
  await env.store.insertChallenge({ user_id: user.id, kind, data: { challenge }, ttlSeconds: CHALLENGE_TTL_SECONDS });
}

/** Takes the pending challenge of this kind, once: undefined when there is none, it expired, or it was just used. */
async function takeChallenge(env: FactorEnv, user: User, kind: string) {
  const challenge = await env.store.latestChallenge(user.id, kind);
  if (!challenge || challenge.expires_at < new Date()) return undefined;
  return (await env.store.setChallengeStatus(challenge.id, 'used')) ? String(challenge.data.challenge) : undefined;
}

function labelFrom(env: FactorEnv, input: unknown) {
  const label = String(input ?? '')
    .replace(/[\p{C}]/gu, '')
    .trim()
    .slice(0, 60);
  return label || env.ctx.state.t('factor.webauthn_default_label');
}

export const webauthn: Factor = {
  kind: 'webauthn',
  amr: ['hwk'],
  assurance: 'high',
  enrollable: true,

  async usable(env, user) {
    return (await env.store.factorsOf(user.id)).filter((f) => f.kind === 'webauthn' && f.confirmed_at);
  },

  async startChallenge(env, user) {
    const options = await authenticationOptions(relyingParty(env.issuer), await this.usable(env, user), 'discouraged');
    await issueChallenge(env, user, 'webauthn', options.challenge);
    return { template: 'factor-webauthn', data: { options: JSON.stringify(options) } };
  },

  async verifyChallenge(env, user, form): Promise<VerifyResult> {
    const response = parseCredential<AuthenticationResponseJSON>(form.response);
    if (!response) return { ok: false, error: 'factor.webauthn_failed' };
    const challenge = await takeChallenge(env, user, 'webauthn');
    if (!challenge) return { ok: false, error: 'factor.webauthn_expired' };
    const row = (await this.usable(env, user)).find((f) => f.data.credentialId === response.id);
    if (!row) return { ok: false, error: 'factor.webauthn_unknown' };
    const check = await verifyAssertion(relyingParty(env.issuer), challenge, response, row, false);
    const advanced = check.ok && (await env.store.advanceWebauthnCounter(row.id, check.newCounter));
    if (!advanced) {
      if (check.ok || check.reason === 'counter')
        await env.deps.audit(env.ctx, 'factor.webauthn_counter', 'failure', user.id, { factorId: row.id });
      return { ok: false, error: 'factor.webauthn_failed' };
    }
    return { ok: true, factorId: row.id, amr: keyAmr(row.data) };
  },

  async startEnrolment(env, user) {
    const options = await registrationOptions(relyingParty(env.issuer), user, await this.usable(env, user));
    await issueChallenge(env, user, REGISTER, options.challenge);
    return { template: 'enrol-webauthn', data: { options: JSON.stringify(options) } };
  },

  async finishEnrolment(env, user, form): Promise<VerifyResult> {
    const response = parseCredential<RegistrationResponseJSON>(form.response);
    if (!response) return { ok: false, error: 'factor.webauthn_failed' };
    const challenge = await takeChallenge(env, user, REGISTER);
    if (!challenge) return { ok: false, error: 'factor.webauthn_expired' };
    const credential = await verifyRegistration(relyingParty(env.issuer), challenge, response);
    if (!credential) return { ok: false, error: 'factor.webauthn_failed' };
    if (await env.store.findWebauthnCredential(credential.credentialId)) return { ok: false, error: 'factor.webauthn_already' };
    try {
      const factorId = await env.store.insertFactor({
        user_id: user.id,
        kind: 'webauthn',
        label: labelFrom(env, form.label),
        data: { ...credential },
        confirmed: true,
      });
      return { ok: true, factorId, amr: keyAmr({ ...credential }) };
    } catch (err) {
      // The same credential registered at the same moment elsewhere (unique index): not a 500.
      if ((err as { code?: string }).code === '23505') return { ok: false, error: 'factor.webauthn_already' };
      throw err;
    }
  },
};
