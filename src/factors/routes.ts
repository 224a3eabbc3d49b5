/**
 * Second-factor pages inside a sign-in (/interaction/:uid/factor): the challenge of an enrolled
 * factor (with the others to switch to), enrolment when policy requires a factor the person lacks,
 * recovery codes shown once after a first enrolment, and "don't ask again on this device".
 * Enrolment happens only while the gate asks for it, in the policy's primary method or another
 * method strong enough for the policy (a person can choose).
 * Only a journey whose first step passed (userId set) reaches these pages; wrong codes are
 * throttled like passwords; the gate is asked again after every factor, and only it finishes.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import { applyPersonLanguage, applyUiLocales } from '../http/i18n.js';
import { renderPage } from '../http/views.js';
import { AppError } from '../lib/errors.js';
import type { AccountStore } from '../accounts/store.js';
import type { Interactions, InteractionView } from '../oidc/interactions.js';
import type { Journey, JourneyState, Outcome } from '../login/journey.js';
import type { Throttle } from '../login/throttle.js';
import type { FactorEnvFactory } from './env.js';
import { FACTORS, factorOf } from './registry.js';
import { issueRecoveryCodes } from './recovery.js';
import { trustDaysFor } from './policy.js';
import type { FactorStore } from './store.js';
import type { TrustedDevices } from './trusted-devices.js';
import type { FactorEnv } from './types.js';
import { bodyOf, textFields } from '../http/input.js';
import { guard } from '../http/guard.js';
import { queryText, segment } from '../http/route-fields.js';
import { z } from 'zod';
import { decide } from '../routing/decide.js';
import { continuePage, go } from '../routing/respond.js';

export interface FactorRouteDeps {
  interactions: Interactions;
  journey: Journey;
  accounts: AccountStore;
  store: FactorStore;
  throttle: Throttle;
  trusted: TrustedDevices;
  envFor: FactorEnvFactory;
}

type SecondFactor = Extract<Outcome, { kind: 'second_factor' }>['decision'];

/** Methods a person may set up when the gate asks for enrolment: the policy's primary first, then any other strong enough. */
export function enrolChoices(decision: SecondFactor, env: FactorEnv): string[] {
  if (!decision.enrol) return [];
  const others = Object.values(FACTORS)
    .filter(
      (f) =>
        f.enrollable &&
        f.startEnrolment &&
        f.kind !== decision.enrol &&
        (decision.minAssurance === 'low' || f.assurance === 'high') &&
        (f.available?.(env.deps) ?? true),
    )
    .map((f) => f.kind);
  return [decision.enrol, ...others];
}

/** The factor pages' input: the method in the path; a waiting page's query carries text fields (one value each). */
const method = guard({ params: z.object({ kind: segment(50) }) });
const polled = guard({ params: z.object({ kind: segment(50) }), query: z.record(z.string(), z.string().max(1000)) });
const choice = guard({ query: z.object({ method: queryText(50), notice: queryText(50) }) });

export function factorRoutes(d: FactorRouteDeps) {
  const router = new Router({ prefix: '/interaction/:uid/factor' });
  const form = (ctx: Context) => bodyOf(ctx, textFields);
  const queryFields = (ctx: Context) => Object.fromEntries(Object.entries(polled.input(ctx).query).filter((e) => e[0] !== 'csrf'));

  async function load(ctx: Context) {
    const view = await d.interactions.details(ctx);
    applyUiLocales(ctx, view.params.ui_locales);
    const s = await d.journey.state(view.uid);
    const user = s.userId ? await d.accounts.findUser(s.userId) : undefined;
    if (!user) throw new AppError('interaction_expired', 400, 'start signing in again');
    // The first step passed: the person is known, their language beats the app's (never before: that would tell who has an account).
    applyPersonLanguage(ctx, user.locale);
    return { view, s, user };
  }

  /** Where an outcome leads (src/routing/decide.ts); a refusal is this page's own error page. */
  async function respond(ctx: Context, view: InteractionView, outcome: Outcome) {
    const next = decide({ at: 'outcome', outcome });
    if (next.kind !== 'refused') return go(ctx, next, view.uid);
    const reason = outcome.kind === 'denied' ? outcome.reason : 'error.generic';
    return renderPage(ctx, 'error', { title: ctx.state.t('error.title'), message: ctx.state.t(reason) }, 403);
  }

  async function page(
    ctx: Context,
    view: InteractionView,
    s: JourneyState,
    user: NonNullable<Awaited<ReturnType<AccountStore['findUser']>>>,
    extra: { error?: string; method?: string; status?: number; notice?: string } = {},
  ) {
    const t = ctx.state.t;
    if (s.recoveryCodes?.length) {
      return renderPage(ctx, 'recovery-codes', { title: t('factor.recovery_codes_title'), uid: view.uid, codes: s.recoveryCodes });
    }
    const decision = await d.journey.decide(ctx, view, user, s);
    // Nothing more to ask: only a POST concludes (a GET shows a "Continue" that posts).
    if (decision.kind !== 'second_factor') {
      if (ctx.method === 'GET') return continuePage(ctx, `/interaction/${view.uid}/factor/continue`, view.clientName);
      return respond(ctx, view, await d.journey.finish(ctx, view, user, s, decision));
    }
    const env = d.envFor(ctx, view.clientName);
    const common = { uid: view.uid, appName: view.clientName, trustDays: decision.trustDays, error: extra.error && t(extra.error) };
    if (decision.enrol) {
      const choices = enrolChoices(decision, env);
      const factor = factorOf(extra.method && choices.includes(extra.method) ? extra.method : decision.enrol)!;
      const v = await factor.startEnrolment!(env, user);
      return renderPage(
        ctx,
        v.template,
        {
          ...v.data,
          ...common,
          kind: factor.kind,
          reenrol: decision.reenrol,
          title: t(`factor.enrol_${factor.kind}_title`),
          action: `/interaction/${view.uid}/factor/${factor.kind}/enrol`,
          enrolOthers: choices.filter((k) => k !== factor.kind),
        },
        extra.status ?? 200,
      );
    }
    const kind = extra.method && decision.methods.includes(extra.method) ? extra.method : decision.methods[0];
    const factor = factorOf(kind)!;
    const v = await factor.startChallenge(env, user);
    const notice = extra.notice === 'limited' ? { limited: true } : extra.notice === 'failed' ? { sendFailed: true } : {};
    renderPage(
      ctx,
      v.template,
      {
        ...v.data,
        ...notice,
        ...common,
        kind,
        title: t(`factor.${kind}_title`),
        action: `/interaction/${view.uid}/factor/${kind}/verify`,
        others: decision.methods.filter((m) => m !== kind),
      },
      extra.status ?? 200,
    );
  }

  router.get('/', choice, async (ctx) => {
    const { view, s, user } = await load(ctx);
    await page(ctx, view, s, user, choice.input(ctx).query);
  });

  /** Checks a factor's answer: the posted form, or (a pollable factor) the query of its waiting page's refresh. */
  async function verify(ctx: Context, fields: Record<string, string>) {
    const { view, s, user } = await load(ctx);
    const factor = factorOf(method.input(ctx).params.kind);
    if (!factor) throw new AppError('invalid_request', 400, 'unknown method');
    // An empty code is not a wrong one: say what to enter (and count no failed attempt).
    if ('code' in fields && !fields.code.trim())
      return page(ctx, view, s, user, { method: factor.kind, error: 'factor.enter_code', status: 400 });
    const subject = { emailNorm: `factor:${user.id}`, ip: ctx.ip, knownDevice: false };
    const checked = await d.throttle.check(subject);
    if (checked.wait > 0) {
      ctx.set('Retry-After', String(checked.wait));
      return page(ctx, view, s, user, { method: factor.kind, error: 'factor.throttled', status: 429 });
    }
    const result = await factor.verifyChallenge(d.envFor(ctx, view.clientName), user, fields);
    if (!result.ok) {
      if (!result.pending) {
        await d.throttle.failure(subject);
        await d.envFor(ctx).deps.audit(ctx, 'factor.failure', 'failure', user.id, { kind: factor.kind, reason: result.error });
      }
      return page(ctx, view, s, user, { method: factor.kind, error: result.error, status: result.pending ? 200 : 400 });
    }
    await d.throttle.success(subject, checked);
    await d.envFor(ctx).deps.audit(ctx, 'factor.success', 'success', user.id, { kind: factor.kind });
    const next: JourneyState = {
      ...s,
      amr: [...new Set([...(s.amr ?? []), ...(result.amr ?? factor.amr)])],
      factors: [...(s.factors ?? []), { kind: factor.kind, assurance: factor.assurance }],
    };
    await rememberDevice(ctx, user.id, fields);
    await d.journey.save(view.uid, next);
    await respond(ctx, view, await d.journey.conclude(ctx, view, user, next));
  }

  // The form, and (a pollable factor's "Continue") the query its waiting page carried ("trust" choice).
  router.post('/:kind/verify', polled, (ctx) =>
    verify(ctx, { ...(factorOf(polled.input(ctx).params.kind)?.poll ? queryFields(ctx) : {}), ...form(ctx) }),
  );
  // A factor answered away from the page (push approval on a device): its waiting page refreshes
  // itself to this address, which runs the same check. Other factors go back to their page.
  // A GET only looks: once answered, a "Continue" posts the same check (a GET never concludes).
  router.get('/:kind/verify', polled, async (ctx) => {
    const { params, query: fields } = polled.input(ctx);
    const factor = factorOf(params.kind);
    const { view, s, user } = await load(ctx);
    if (factor?.poll) {
      const answered = await factor.poll(d.envFor(ctx, view.clientName), user);
      const query = new URLSearchParams(fields).toString();
      if (answered) return continuePage(ctx, `/interaction/${view.uid}/factor/${factor.kind}/verify${query ? `?${query}` : ''}`);
      return page(ctx, view, s, user, { method: factor.kind, error: 'factor.push_waiting' });
    }
    ctx.status = 303;
    ctx.redirect(`/interaction/${view.uid}/factor`);
  });

  /** "Don't ask again": the lifetime comes from the organization's policy, never from the form (0 forbids it). */
  async function rememberDevice(ctx: Context, userId: string, fields = form(ctx)) {
    if (fields.trust !== 'yes') return;
    const days = await trustDaysFor(d.store, userId);
    if (days > 0) await d.trusted.trust(ctx, userId, days);
  }

  router.post('/:kind/enrol', method, async (ctx) => {
    const { view, s, user } = await load(ctx);
    const factor = factorOf(method.input(ctx).params.kind);
    if (!factor?.finishEnrolment) throw new AppError('invalid_request', 400, 'unknown method');
    // Only while the gate asks for enrolment, and only a method it accepts: a password alone must not
    // let anyone add a factor that would then stand in for the one already enrolled.
    const asked = await d.journey.decide(ctx, view, user, s);
    if (asked.kind !== 'second_factor') return respond(ctx, view, await d.journey.finish(ctx, view, user, s, asked));
    if (!enrolChoices(asked, d.envFor(ctx)).includes(factor.kind))
      throw new AppError('invalid_request', 400, 'this method cannot be set up now');
    const result = await factor.finishEnrolment(d.envFor(ctx, view.clientName), user, form(ctx));
    if (!result.ok) {
      if (result.pending) return page(ctx, view, s, user, { method: factor.kind, error: result.error || undefined });
      await d.envFor(ctx).deps.audit(ctx, 'factor.enrol_failure', 'failure', user.id, { kind: factor.kind });
      return page(ctx, view, s, user, { method: factor.kind, error: result.error, status: 400 });
    }
    await d.store.clearReenrol(user.id);
    await rememberDevice(ctx, user.id);
    await d.envFor(ctx).deps.audit(ctx, 'factor.enrolled', 'success', user.id, { kind: factor.kind });
    const firstFactor = (await d.store.recoveryCodesLeft(user.id)) === 0;
    const recoveryCodes = firstFactor ? await issueRecoveryCodes(d.store, user.id) : undefined;
    const next: JourneyState = {
      ...s,
      recoveryCodes,
      amr: [...new Set([...(s.amr ?? []), ...(result.amr ?? factor.amr)])],
      factors: [...(s.factors ?? []), { kind: factor.kind, assurance: factor.assurance }],
    };
    await d.journey.save(view.uid, next);
    if (recoveryCodes) return page(ctx, view, next, user);
    await respond(ctx, view, await d.journey.conclude(ctx, view, user, next));
  });

  router.post('/continue', async (ctx) => {
    const { view, s, user } = await load(ctx);
    const next = { ...s, recoveryCodes: undefined };
    await d.journey.save(view.uid, next);
    await respond(ctx, view, await d.journey.conclude(ctx, view, user, next));
  });

  router.post('/:kind/resend', method, async (ctx) => {
    const { view, s, user } = await load(ctx);
    const factor = factorOf(method.input(ctx).params.kind);
    if (!factor) throw new AppError('invalid_request', 400, 'unknown method');
    // Only a method the gate offers now: no texts or mails through a factor that would not count.
    const asked = await d.journey.decide(ctx, view, user, s);
    if (asked.kind !== 'second_factor') return respond(ctx, view, await d.journey.finish(ctx, view, user, s, asked));
    if (!asked.methods.includes(factor.kind)) throw new AppError('invalid_request', 400, 'this method is not offered now');
    const v = await factor.startChallenge(d.envFor(ctx, view.clientName), user, true);
    const notice = v.data.limited ? '&notice=limited' : v.data.sendFailed ? '&notice=failed' : '';
    ctx.status = 303;
    ctx.redirect(`/interaction/${view.uid}/factor?method=${factor.kind}${notice}`);
  });

  return router;
}
