/**
 * Passkey sign-in (passwordless), offered on the email page. Rules:
 * - the options ask for any discoverable credential of this relying party with user verification
 *   required; the challenge lives in the interaction's journey state, is single use and lasts 5 minutes;
 * - the credential must be registered, its user handle must name its owner, and the signature and
 *   signature counter must verify (a counter that did not move forward is audited as a possible clone);
 * - the journey then ends in the same single policy gate as every other way in (journey.conclude),
 *   with method 'passkey' and the passkey counted as a high-assurance factor: possession of the key
 *   plus the authenticator's user verification (PIN or biometric) are two factors. amr records
 *   'hwk' or 'swk' (see keyAmr) and 'user' (the authenticator verified the person, not only their
 *   presence; RFC 8176 has no code for "a PIN or a biometric, we cannot tell which", so we never
 *   claim 'pin' or 'fpt'); the gate adds 'mfa';
 * - a failure never says whether an account exists; every attempt is audited.
 */
import type { Context } from 'koa';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import type { AccountStore } from '../accounts/store.js';
import type { Audit } from '../audit/index.js';
import type { Journey, Outcome } from '../login/journey.js';
import type { InteractionView } from '../oidc/interactions.js';
import type { FactorStore } from './store.js';
import {
  authenticationOptions,
  CHALLENGE_TTL_SECONDS,
  keyAmr,
  parseCredential,
  relyingParty,
  verifyAssertion,
} from './webauthn-ceremony.js';

export interface PasskeyDeps {
  issuer: string;
  store: FactorStore;
  journey: Journey;
  accounts: AccountStore;
  audit: Audit;
}

export type PasskeyOutcome = Outcome | { kind: 'passkey_failed' };

export function createPasskeySignIn(d: PasskeyDeps) {
  const rp = relyingParty(d.issuer);

  return {
    /** Options for navigator.credentials.get on the email page; remembers the challenge for this interaction. */
    async options(uid: string) {
      const options = await authenticationOptions(rp, undefined, 'required');
      const s = await d.journey.state(uid);
      await d.journey.save(uid, {
        ...s,
        passkeyChallenge: { value: options.challenge, expiresAt: Date.now() + CHALLENGE_TTL_SECONDS * 1000 },
      });
      return options;
    },

    async signIn(ctx: Context, view: InteractionView, posted: unknown): Promise<PasskeyOutcome> {
      const s = await d.journey.state(view.uid);
      const challenge = s.passkeyChallenge;
      if (challenge) await d.journey.save(view.uid, { ...s, passkeyChallenge: undefined }); // single use
      const fail = async (reason: string, userId?: string, data: Record<string, unknown> = {}) => {
        await d.audit.record(ctx, {
          type: 'login.passkey',
          outcome: 'failure',
          userId,
          clientId: view.clientId,
          data: { reason, ...data },
        });
        return { kind: 'passkey_failed' as const };
      };
      const response = parseCredential<AuthenticationResponseJSON>(posted);
      if (!response) return fail('malformed');
      if (!challenge || challenge.expiresAt < Date.now()) return fail('no_challenge');
      const row = await d.store.findWebauthnCredential(response.id);
      if (!row) return fail('unknown_credential');
      const owner = Buffer.from(row.user_id).toString('base64url');
      if (response.response.userHandle !== owner) return fail('user_handle_mismatch', row.user_id);
      const check = await verifyAssertion(rp, challenge.value, response, row, true);
      if (!check.ok) return fail(check.reason === 'counter' ? 'counter' : 'invalid_signature', row.user_id, { factorId: row.id });
      if (!(await d.store.advanceWebauthnCounter(row.id, check.newCounter))) return fail('counter', row.user_id, { factorId: row.id });
      const user = await d.accounts.findUser(row.user_id);
      if (!user) return fail('unknown_credential');
      await d.audit.record(ctx, {
        type: 'login.passkey',
        outcome: 'success',
        userId: user.id,
        clientId: view.clientId,
        data: { factorId: row.id },
      });
      return d.journey.conclude(ctx, view, user, {
        email: user.email,
        method: 'passkey',
        amr: [...keyAmr(row.data), 'user'],
        factors: [{ kind: 'webauthn', assurance: 'high' }],
        remember: false,
      });
    },
  };
}
export type PasskeySignIn = ReturnType<typeof createPasskeySignIn>;
