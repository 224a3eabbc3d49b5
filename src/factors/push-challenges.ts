/**
 * Push sign-in requests, the sign-in page's side. Rules:
 * - a request belongs to one interaction (the page that shows its number) and goes to every paired
 *   device of the person; it lives `push.challengeSeconds` (2 minutes by default);
 * - number matching: the page shows a random two-digit number, the device offers three distinct
 *   candidates (one right) and must send back the one the person picked;
 * - a request is sent when the page is first shown, and again only when the person asks; never
 *   while one of theirs is pending (any interaction), and at most PUSH_LIMIT.max per window: a
 *   stolen password cannot be used to flood a phone with prompts (push fatigue);
 * - a denied or expired request never sends another by itself, and only an approval given for this
 *   interaction, picked up once, passes (the page polls GET …/push/verify through the factor router);
 * - the device sees the app, the IP and the time; there is no geo-IP database, so it is told the
 *   approximate location is unavailable rather than shown a guess.
 */
import { randomInt } from 'node:crypto';
import type { User } from '../accounts/store.js';
import type { PushTransport } from '../notify/push-transport.js';
import type { FactorRow } from './store.js';
import type { PushStore, ChallengeRow } from './push-store.js';
import type { FactorEnv, VerifyResult, View } from './types.js';
import { z } from 'zod';
import { queryOf } from '../http/input.js';
import { interactionUid, lenient } from '../http/route-fields.js';

export const PUSH_LIMIT = { max: 3, windowSeconds: 600 };
/** Seconds between two looks of the waiting page (a meta refresh: the page works without JavaScript). */
export const REFRESH_SECONDS = 2;

export interface PushDeps {
  store: PushStore;
  transport: PushTransport;
  challengeSeconds: number;
  longPollSeconds: number;
}

/** The interaction the factor pages run in (their route is /interaction/:uid/factor/…). */
export const interactionOf = (env: FactorEnv) => interactionUid(env.ctx);

/** The number to show and three distinct two-digit candidates containing it, in random order. */
export function numbersForMatching() {
  const number = randomInt(10, 100);
  const set = new Set([number]);
  while (set.size < 3) set.add(randomInt(10, 100));
  const candidates = [...set];
  for (let i = candidates.length - 1; i > 0; i -= 1) {
    const j = randomInt(i + 1);
    [candidates[i], candidates[j]] = [candidates[j], candidates[i]];
  }
  return { number, candidates };
}

async function send(env: FactorEnv, user: User, devices: FactorRow[]) {
  const push = env.deps.push;
  const { number, candidates } = numbersForMatching();
  const deviceIds = devices.map((d) => d.id);
  const made = await push.store.createChallenge({
    userId: user.id,
    ttlSeconds: push.challengeSeconds,
    ...PUSH_LIMIT,
    data: {
      interaction: interactionOf(env),
      number,
      candidates,
      devices: deviceIds,
      account: user.email,
      app: env.appName ?? null,
      ip: env.ctx.ip,
      requestedAt: new Date().toISOString(),
    },
  });
  if ('refused' in made) {
    await env.deps.audit(env.ctx, 'factor.push_refused', 'failure', user.id, { reason: made.refused });
    return;
  }
  await push.transport.notify({ challengeId: made.id, deviceIds, expiresAt: made.expiresAt });
  await env.deps.audit(env.ctx, 'factor.push_sent', 'info', user.id, {
    challengeId: made.id,
    devices: deviceIds.length,
    transport: push.transport.name,
  });
}

const endedMessage = (c: ChallengeRow | undefined) =>
  !c
    ? undefined
    : c.status === 'denied'
      ? c.data.reason === 'number_mismatch'
        ? 'factor.push_wrong_number'
        : 'factor.push_denied'
      : 'factor.push_expired';

/** A "don't ask again" choice carried in the page's address (it must survive the refreshes). */
/** "Don't ask again" carried by the waiting page's query (a malformed choice is none). */
const trustQuery = z.object({ trust: lenient(10), trust_days: lenient(10) });
function trustChoice(query: z.output<typeof trustQuery>) {
  const days = Number(query.trust_days);
  return query.trust === 'yes' && Number.isInteger(days) && days > 0 && days <= 365 ? days : 0;
}

/** The sign-in page: sends a request when this interaction has none (or the person asked again). */
export async function pushChallengeView(env: FactorEnv, user: User, devices: FactorRow[], resend = false): Promise<View> {
  const { store } = env.deps.push;
  const uid = interactionOf(env);
  let c = await store.latestChallenge(user.id, uid);
  if (c?.status === 'pending' && c.expires_at <= new Date()) {
    await store.expire(c.id);
    c = { ...c, status: 'expired' };
  }
  if (!c || (resend && c.status !== 'pending' && c.status !== 'approved')) {
    await send(env, user, devices);
    c = (await store.latestChallenge(user.id, uid)) ?? c;
  }
  const checkUrl = `/interaction/${uid}/factor/push/verify`;
  if (c?.status === 'pending' || c?.status === 'approved') {
    const trusting = trustChoice(queryOf(env.ctx, trustQuery));
    const refreshUrl = trusting ? `${checkUrl}?trust=yes&trust_days=${trusting}` : checkUrl;
    return {
      template: 'factor-push',
      data: {
        state: 'waiting',
        number: c.data.number,
        devices: devices
          .map((d) => d.label ?? '')
          .filter(Boolean)
          .join(', '),
        seconds: Math.max(0, Math.ceil((c.expires_at.getTime() - Date.now()) / 1000)),
        checkUrl,
        refreshUrl,
        trusting,
        refresh: `${REFRESH_SECONDS};url=${refreshUrl}`,
      },
    };
  }
  const blocked = await store.sendBlocked(user.id, PUSH_LIMIT.max, PUSH_LIMIT.windowSeconds);
  return { template: 'factor-push', data: { state: 'ended', ended: endedMessage(c), blocked } };
}

/** What the page's check (POST or the refreshing GET) finds for this interaction's latest request. */
/** Whether the latest challenge is no longer waiting (answered, or expired): reads only. */
export async function pushAnswered(env: FactorEnv, user: User): Promise<boolean> {
  const c = await env.deps.push.store.latestChallenge(user.id, interactionOf(env));
  return !!c && (c.status !== 'pending' || c.expires_at <= new Date());
}

export async function pushOutcome(env: FactorEnv, user: User): Promise<VerifyResult> {
  const { store } = env.deps.push;
  const c = await store.latestChallenge(user.id, interactionOf(env));
  if (!c) return { ok: false, error: 'factor.push_none' };
  if (c.status === 'pending') {
    if (c.expires_at > new Date()) return { ok: false, pending: true, error: 'factor.push_waiting' };
    await store.expire(c.id);
    return { ok: false, error: 'factor.push_expired' };
  }
  if (c.status === 'approved') {
    if (!(await store.consume(c.id))) return { ok: false, error: 'factor.push_expired' };
    return { ok: true, factorId: typeof c.data.answeredBy === 'string' ? c.data.answeredBy : undefined };
  }
  return { ok: false, error: endedMessage(c)! };
}
