/**
 * Two-step verification in My account: the person's factors (add, remove), recovery codes (count;
 * regenerating them is recovery-routes.ts), and trusted devices (list, revoke). Adding a factor runs the factor's own
 * enrolment; the first factor also issues recovery codes.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import { renderPage } from '../http/views.js';
import { AppError } from '../lib/errors.js';
import type { CurrentPerson, SignedIn } from '../accounts/current-person.js';
import type { FactorEnvFactory } from './env.js';
import { FACTORS, factorOf } from './registry.js';
import { enrolledKinds, mayEnrol } from './policy.js';
import { issueRecoveryCodes } from './recovery.js';
import type { FactorStore } from './store.js';
import type { TrustedDevices } from './trusted-devices.js';
import { bodyOf, textFields } from '../http/input.js';
import { guard } from '../http/guard.js';
import { pathParams } from '../http/route-fields.js';

const byKind = guard({ params: pathParams('kind') });
const byId = guard({ params: pathParams('id') });

export interface FactorAccountDeps {
  person: CurrentPerson;
  store: FactorStore;
  trusted: TrustedDevices;
  envFor: FactorEnvFactory;
}

/** The data My account shows for two-step verification. */
export function twoStepSection(d: Pick<FactorAccountDeps, 'store' | 'trusted' | 'envFor'>) {
  return async (ctx: Context, userId: string) => ({
    factors: (await d.store.factorsOf(userId)).filter((f) => f.confirmed_at),
    enrollable: Object.values(FACTORS)
      .filter((f) => f.enrollable && (f.available?.(d.envFor(ctx).deps) ?? true))
      .map((f) => f.kind),
    recoveryLeft: await d.store.recoveryCodesLeft(userId),
    trustedDevices: await d.trusted.list(userId),
  });
}

export function factorAccountRoutes(d: FactorAccountDeps) {
  const router = new Router({ prefix: '/account' });
  const form = (ctx: Context) => bodyOf(ctx, textFields);
  const done = (ctx: Context, what: string) => {
    ctx.status = 303;
    ctx.redirect(`/account?done=${what}`);
  };
  const enrollable = (kind: string, ctx: Context) => {
    const factor = factorOf(kind);
    if (!factor?.enrollable || !factor.startEnrolment || !factor.finishEnrolment || !(factor.available?.(d.envFor(ctx).deps) ?? true))
      throw new AppError('not_found', 404, 'unknown method');
    return factor;
  };

  /**
   * The rule of every enrolment (mayEnrol): a person who has a factor proves one first. Here the proof
   * is the session's sign-in (a second factor passed: amr 'mfa'); without it, a step-up sign-in.
   */
  const mayAdd = async (ctx: Context, who: SignedIn) => {
    const proved = (who.session as { amr?: string[] }).amr?.includes('mfa') ? ['session'] : [];
    if (mayEnrol(await enrolledKinds(d.store, who.user.id), proved)) return true;
    d.person.stepUp(ctx);
    return false;
  };

  async function enrolmentPage(ctx: Context, who: SignedIn, factor: ReturnType<typeof enrollable>) {
    const v = await factor.startEnrolment!(d.envFor(ctx), who.user);
    renderPage(ctx, v.template, {
      ...v.data,
      kind: factor.kind,
      title: ctx.state.t(`factor.enrol_${factor.kind}_title`),
      action: `/account/factors/${factor.kind}/add`,
    });
  }

  router.get('/factors/:kind/add', byKind, async (ctx) => {
    const who = await d.person.signedIn(ctx);
    if (!who) return;
    const factor = enrollable(byKind.input(ctx).params.kind, ctx);
    if (!(await mayAdd(ctx, who))) return;
    // A GET sends nothing (link previews and prefetches follow links): a factor that sends a code asks first.
    if (factor.enrolmentSent && !(await factor.enrolmentSent(d.envFor(ctx), who.user)))
      return renderPage(ctx, 'enrol-send', {
        kind: factor.kind,
        title: ctx.state.t(`factor.enrol_${factor.kind}_title`),
        destination: who.user.email,
        action: `/account/factors/${factor.kind}/send`,
      });
    await enrolmentPage(ctx, who, factor);
  });

  router.post('/factors/:kind/send', byKind, async (ctx) => {
    const who = (await d.person.signedIn(ctx))!;
    const factor = enrollable(byKind.input(ctx).params.kind, ctx);
    if (!(await mayAdd(ctx, who))) return;
    await enrolmentPage(ctx, who, factor);
  });

  router.post('/factors/:kind/add', byKind, async (ctx) => {
    const who = (await d.person.signedIn(ctx))!;
    const factor = enrollable(byKind.input(ctx).params.kind, ctx);
    if (!(await mayAdd(ctx, who))) return;
    const env = d.envFor(ctx);
    const result = await factor.finishEnrolment!(env, who.user, form(ctx));
    if (!result.ok) {
      const v = await factor.startEnrolment!(env, who.user);
      // `pending`: a step of a multi-step enrolment passed (SMS: the code was sent), not a failure.
      return renderPage(
        ctx,
        v.template,
        {
          ...v.data,
          kind: factor.kind,
          title: ctx.state.t(`factor.enrol_${factor.kind}_title`),
          action: `/account/factors/${factor.kind}/add`,
          error: result.error ? ctx.state.t(result.error) : undefined,
        },
        result.pending ? 200 : 400,
      );
    }
    await d.store.clearReenrol(who.user.id);
    await env.deps.audit(ctx, 'factor.enrolled', 'success', who.user.id, { kind: factor.kind, from: 'account' });
    if ((await d.store.recoveryCodesLeft(who.user.id)) === 0) {
      const codes = await issueRecoveryCodes(d.store, who.user.id);
      return renderPage(ctx, 'recovery-codes', { title: ctx.state.t('factor.recovery_codes_title'), codes });
    }
    done(ctx, 'factor_added');
  });

  router.post('/factors/:id/remove', byId, async (ctx) => {
    const who = (await d.person.signedIn(ctx))!;
    const { id } = byId.input(ctx).params;
    if (await d.store.deleteFactor(who.user.id, id)) {
      await d.envFor(ctx).deps.audit(ctx, 'factor.removed', 'info', who.user.id, { factorId: id });
    }
    done(ctx, 'factor_removed');
  });

  router.post('/trusted-devices/:id/revoke', byId, async (ctx) => {
    const who = (await d.person.signedIn(ctx))!;
    const { id } = byId.input(ctx).params;
    await d.trusted.revoke(who.user.id, id);
    await d.envFor(ctx).deps.audit(ctx, 'trusted_device.revoked', 'info', who.user.id, { deviceId: id });
    done(ctx, 'device_revoked');
  });

  return router;
}
