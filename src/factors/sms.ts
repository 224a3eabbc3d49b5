/**
 * SMS code: a six-digit code (codes.ts) sent by text message. Rules:
 * - low assurance: it never satisfies a policy or a step-up (policy.ts), amr 'sms';
 * - offered only when an SMS provider is configured (FactorDeps.sendSmsCode);
 * - enrolment asks for a textable number in international form (phone.ts), sends a code to it, and
 *   only the right code confirms it; a confirmed number replaces the previous one; the number is
 *   sealed at rest and shown masked;
 * - against SMS pumping, every send first passes these limits, and each refusal is audited:
 *   3 per 10 minutes and 10 per day per account, 5 per hour per number (whoever asks), and
 *   `sms.dailyCap` per day across everyone;
 * - a provider failure is shown as such on the page and audited (never a 500).
 */
import { createHash } from 'node:crypto';
import type { User } from '../accounts/store.js';
import { checkCode, pendingCode, sendCode } from './codes.js';
import { maskPhone, toE164 } from './phone.js';
import type { Factor, FactorEnv, VerifyResult } from './types.js';

const DAY = 86400;
const PER_ACCOUNT = { max: 3, windowSeconds: 600 };
const PER_ACCOUNT_DAY = { max: 10, windowSeconds: DAY };
const PER_NUMBER = { max: 5, windowSeconds: 3600 };

type Sent = 'sent' | 'limited' | 'failed';
const numberKey = (e164: string) => createHash('sha256').update(`wayfinder-sms:${e164}`).digest('base64url');
const since = (seconds: number) => new Date(Date.now() - seconds * 1000);

async function limitReached(env: FactorEnv, user: User, e164: string) {
  const count = (f: Omit<Parameters<FactorEnv['store']['countChallenges']>[0], 'kind'>) => env.store.countChallenges({ kind: 'sms', ...f });
  if ((await count({ userId: user.id, since: since(PER_ACCOUNT.windowSeconds) })) >= PER_ACCOUNT.max) return 'account_10_minutes';
  if ((await count({ userId: user.id, since: since(PER_ACCOUNT_DAY.windowSeconds) })) >= PER_ACCOUNT_DAY.max) return 'account_day';
  if ((await count({ data: { key: 'toHash', value: numberKey(e164) }, since: since(PER_NUMBER.windowSeconds) })) >= PER_NUMBER.max)
    return 'number_hour';
  if ((await count({ since: since(DAY) })) >= env.deps.smsDailyCap) return 'daily_cap';
  return undefined;
}

async function deliver(env: FactorEnv, user: User, e164: string, factorId?: string): Promise<Sent> {
  const send = env.deps.sendSmsCode;
  const to = maskPhone(e164);
  if (!send) return 'failed';
  const limit = await limitReached(env, user, e164);
  if (limit) {
    await env.deps.audit(env.ctx, 'factor.sms_limited', 'failure', user.id, { limit, to });
    return 'limited';
  }
  try {
    const sent = await sendCode(env, user, 'sms', PER_ACCOUNT, (code) => send(e164, code, env.ctx.state.lang), factorId, {
      toHash: numberKey(e164),
    });
    if (!sent) return 'limited';
  } catch (err) {
    const e = err as { status?: number; providerCode?: string };
    await env.deps.audit(env.ctx, 'factor.sms_failed', 'failure', user.id, { to, status: e.status, providerCode: e.providerCode });
    return 'failed';
  }
  await env.deps.audit(env.ctx, 'factor.sms_sent', 'info', user.id, { to });
  return 'sent';
}

const notices = (sent?: Sent) => ({ limited: sent === 'limited', sendFailed: sent === 'failed' });
const pendingOf = async (env: FactorEnv, user: User) =>
  (await env.store.factorsOf(user.id)).filter((f) => f.kind === 'sms' && !f.confirmed_at && f.secret_enc).pop();

export const sms: Factor = {
  kind: 'sms',
  amr: ['sms'],
  assurance: 'low',
  enrollable: true,
  available: (deps) => !!deps.sendSmsCode,

  async usable(env, user) {
    return (await env.store.factorsOf(user.id)).filter((f) => f.kind === 'sms' && f.confirmed_at && f.secret_enc);
  },

  async startChallenge(env, user, resend) {
    const factor = (await this.usable(env, user)).pop();
    if (!factor) return { template: 'factor-code', data: { kind: 'sms', destination: '', ...notices('failed') } };
    const e164 = env.open(factor.secret_enc!);
    const pending = await pendingCode(env, user, 'sms');
    const sent = !pending || resend ? await deliver(env, user, e164, factor.id) : undefined;
    return { template: 'factor-code', data: { kind: 'sms', destination: maskPhone(e164), ...notices(sent) } };
  },

  async verifyChallenge(env, user, form): Promise<VerifyResult> {
    const result = await checkCode(env, user, 'sms', form.code);
    if (result.ok && result.factorId) await env.store.updateFactorData(result.factorId, {});
    return result;
  },

  /** Two steps on one page: the number, then the code sent to it (resend and "another number" included). */
  async startEnrolment(env, user) {
    const pending = await pendingOf(env, user);
    if (pending && (await pendingCode(env, user, 'sms'))) {
      return { template: 'enrol-sms', data: { step: 'code', destination: pending.label } };
    }
    return { template: 'enrol-sms', data: { step: 'phone' } };
  },

  async finishEnrolment(env, user, form): Promise<VerifyResult> {
    if (form.restart === 'yes') {
      await env.store.deleteUnconfirmed(user.id, 'sms');
      await env.store.expireChallenges(user.id, 'sms');
      return { ok: false, error: '', pending: true };
    }
    if (form.phone !== undefined) {
      const e164 = toE164(form.phone);
      if (!e164) return { ok: false, error: 'factor.phone_invalid' };
      await env.store.deleteUnconfirmed(user.id, 'sms');
      await env.store.expireChallenges(user.id, 'sms');
      const factorId = await env.store.insertFactor({ user_id: user.id, kind: 'sms', label: maskPhone(e164), secret_enc: env.seal(e164) });
      const sent = await deliver(env, user, e164, factorId);
      if (sent === 'sent') return { ok: false, error: '', pending: true };
      await env.store.deleteUnconfirmed(user.id, 'sms');
      return { ok: false, error: sent === 'limited' ? 'factor.send_limited' : 'factor.sms_failed' };
    }
    const pending = await pendingOf(env, user);
    if (!pending) return { ok: false, error: 'factor.enrol_expired' };
    if (form.resend === 'yes') {
      const sent = await deliver(env, user, env.open(pending.secret_enc!), pending.id);
      return sent === 'sent'
        ? { ok: false, error: '', pending: true }
        : { ok: false, error: sent === 'limited' ? 'factor.send_limited' : 'factor.sms_failed', pending: true };
    }
    const result = await checkCode(env, user, 'sms', form.code);
    if (!result.ok) return result;
    for (const old of await this.usable(env, user)) await env.store.deleteFactor(user.id, old.id);
    await env.store.confirmFactor(pending.id);
    return { ok: true, factorId: pending.id };
  },
};
