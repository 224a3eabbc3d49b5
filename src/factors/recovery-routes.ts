/**
 * New recovery codes from My account: they replace the old ones, so they are given only to someone
 * who proves it is them now — a password typed on the page, or (for a person without a password) a
 * two-step sign-in from the last few minutes. The codes are shown once, with copy and download.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import { freshFactor, type CurrentPerson, type SignedIn } from '../accounts/current-person.js';
import { bodyOf, textFields } from '../http/input.js';
import { renderPage } from '../http/views.js';
import type { FactorEnvFactory } from './env.js';
import { issueRecoveryCodes } from './recovery.js';
import type { FactorStore } from './store.js';

export interface RecoveryRoutesDeps {
  person: CurrentPerson;
  store: FactorStore;
  envFor: FactorEnvFactory;
  passwords: {
    has(userId: string): Promise<boolean>;
    /** The throttled re-check (accounts/lifecycle.ts confirmPassword). */
    confirm(ctx: Context, user: SignedIn['user'], password: string): Promise<{ ok: boolean; wait: number }>;
  };
}

export function recoveryRoutes(d: RecoveryRoutesDeps) {
  const router = new Router({ prefix: '/account' });

  async function confirmPage(ctx: Context, who: SignedIn, error?: string, vars: Record<string, unknown> = {}) {
    const hasPassword = await d.passwords.has(who.user.id);
    renderPage(
      ctx,
      'recovery-confirm',
      {
        title: ctx.state.t('recovery.confirm_title'),
        email: who.user.email,
        hasPassword,
        fresh: freshFactor(who),
        errors: error ? { password: ctx.state.t(error, vars) } : {},
      },
      error ? (vars.seconds ? 429 : 400) : 200,
    );
  }

  router.get('/recovery-codes', async (ctx) => {
    const who = await d.person.signedIn(ctx);
    if (who) await confirmPage(ctx, who);
  });

  // Without a password: a new two-step sign-in (max_age=0 asks for it even in a live session).
  router.get('/recovery-codes/confirm-factor', async (ctx) => {
    const who = await d.person.signedIn(ctx);
    if (who) d.person.stepUp(ctx, { extra: { max_age: '0' } });
  });

  router.post('/recovery-codes', async (ctx) => {
    const who = (await d.person.signedIn(ctx))!;
    const password = bodyOf(ctx, textFields).password ?? '';
    const audit = d.envFor(ctx).deps.audit;
    if (!freshFactor(who) || password) {
      if (!(await d.passwords.has(who.user.id))) return confirmPage(ctx, who);
      if (!password) return confirmPage(ctx, who, 'login.enter_password');
      const { ok, wait } = await d.passwords.confirm(ctx, who.user, password);
      if (wait) return confirmPage(ctx, who, 'login.throttled', { seconds: wait });
      if (!ok) {
        await audit(ctx, 'factor.recovery_codes_regenerated', 'failure', who.user.id, { reason: 'wrong_password' });
        return confirmPage(ctx, who, 'account.wrong_current');
      }
    }
    const codes = await issueRecoveryCodes(d.store, who.user.id);
    await audit(ctx, 'factor.recovery_codes_regenerated', 'info', who.user.id, { confirmedWith: password ? 'password' : 'factor' });
    renderPage(ctx, 'recovery-codes', { title: ctx.state.t('factor.recovery_codes_title'), codes });
  });

  return router;
}
