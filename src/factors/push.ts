/**
 * Push approval: a paired authenticator device approves the sign-in, with number matching. The
 * rules live with each step: pairing in push-pairing.ts, the sign-in page's side in
 * push-challenges.ts, the device's side in push-device.ts, signatures in push-protocol.ts.
 *
 * amr: RFC 8176 "swk" (proof-of-possession of a software-secured key): the device proves it holds
 * the private key it generated at pairing by signing the answer. Not "hwk": we cannot attest that
 * the key is in hardware (the reference authenticator keeps it in a file). Not "user": a device can
 * be scripted, so we cannot show that a person was present. The gate adds "mfa" on top of "pwd".
 */
import type { Factor } from './types.js';
import { pushAnswered, pushChallengeView, pushOutcome } from './push-challenges.js';
import { confirmPairing, pairingView } from './push-pairing.js';

export const push: Factor = {
  kind: 'push',
  amr: ['swk'],
  assurance: 'high',
  enrollable: true,

  /** Answered (approved or refused) or expired: reads only; verifyChallenge then consumes or reports. */
  poll: (env, user) => pushAnswered(env, user),

  async usable(env, user) {
    return (await env.store.factorsOf(user.id)).filter((f) => f.kind === 'push' && f.confirmed_at);
  },

  async startChallenge(env, user, resend) {
    return pushChallengeView(env, user, await this.usable(env, user), resend);
  },

  async verifyChallenge(env, user) {
    return pushOutcome(env, user);
  },

  startEnrolment: (env, user) => pairingView(env, user),
  finishEnrolment: (env, user, form) => confirmPairing(env, user, form),
};
