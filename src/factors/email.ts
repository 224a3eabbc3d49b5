/**
 * Email code: a six-digit code sent through the SMTP sender to the person's (verified) address.
 * Enrolment sends a code to prove the mailbox.
 */
import { languageFor } from '../http/i18n.js';
import type { Factor } from './types.js';
import { checkCode, pendingCode, sendCode } from './codes.js';

const LIMIT = { max: 5, windowSeconds: 900 };

export const email: Factor = {
  kind: 'email',
  amr: ['otp'],
  assurance: 'high',
  enrollable: true,

  async usable(env, user) {
    return (await env.store.factorsOf(user.id)).filter((f) => f.kind === 'email' && f.confirmed_at);
  },

  async startChallenge(env, user, resend) {
    const pending = await pendingCode(env, user, 'email');
    let limited = false;
    if (!pending || resend)
      limited = !(await sendCode(env, user, 'email', LIMIT, (code) =>
        env.deps.sendEmailCode(user, code, languageFor(env.ctx, user.locale)),
      ));
    return { template: 'factor-code', data: { kind: 'email', destination: user.email, limited } };
  },

  async verifyChallenge(env, user, form) {
    return checkCode(env, user, 'email', form.code);
  },

  async enrolmentSent(env, user) {
    const pending = (await env.store.factorsOf(user.id)).find((f) => f.kind === 'email' && !f.confirmed_at);
    return !!pending && !!(await pendingCode(env, user, 'email'));
  },

  async startEnrolment(env, user) {
    // Showing the page again (after a wrong code) does not send another code.
    if (await email.enrolmentSent!(env, user)) {
      return { template: 'enrol-code', data: { kind: 'email', destination: user.email, limited: false } };
    }
    await env.store.deleteUnconfirmed(user.id, 'email');
    const factorId = await env.store.insertFactor({ user_id: user.id, kind: 'email', label: user.email });
    const sent = await sendCode(
      env,
      user,
      'email',
      LIMIT,
      (code) => env.deps.sendEmailCode(user, code, languageFor(env.ctx, user.locale)),
      factorId,
    );
    return { template: 'enrol-code', data: { kind: 'email', destination: user.email, limited: !sent } };
  },

  async finishEnrolment(env, user, form) {
    const result = await checkCode(env, user, 'email', form.code);
    if (!result.ok) return result;
    const pending = (await env.store.factorsOf(user.id)).filter((f) => f.kind === 'email' && !f.confirmed_at).pop();
    if (!pending) return { ok: false, error: 'factor.enrol_expired' };
    await env.store.confirmFactor(pending.id);
    return { ok: true, factorId: pending.id };
  },
};
