/**
 * "Sign in with a passkey" on the email page (/interaction/:uid/passkey). HTTP only: the page script
 * fetches options (a CSRF-checked POST, JSON back, never cached), runs navigator.credentials.get and
 * posts the credential; the use-case (passkeys.ts) verifies it and concludes through the policy gate.
 * A failure shows the email page again with a message that reveals nothing about accounts.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import { applyUiLocales } from '../http/i18n.js';
import { renderPage } from '../http/views.js';
import type { Interactions, InteractionView } from '../oidc/interactions.js';
import { rememberDevice } from '../login/known-device.js';
import type { PasskeySignIn } from './passkeys.js';
import { z } from 'zod';
import { bodyOf } from '../http/input.js';

const passkeyAnswer = z.object({ response: z.unknown() });

export function passkeyRoutes(d: { interactions: Interactions; passkeys: PasskeySignIn; secure: boolean }) {
  const router = new Router({ prefix: '/interaction/:uid/passkey' });

  async function view(ctx: Context): Promise<InteractionView> {
    const v = await d.interactions.details(ctx);
    applyUiLocales(ctx, v.params.ui_locales);
    return v;
  }

  function emailPage(ctx: Context, v: InteractionView, error: string, status: number) {
    const t = ctx.state.t;
    renderPage(
      ctx,
      'login-email',
      { title: t('login.email_title'), uid: v.uid, appName: v.clientName, email: '', passkeyError: t(error) },
      status,
    );
  }

  router.post('/options', async (ctx) => {
    const v = await view(ctx);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await d.passkeys.options(v.uid);
  });

  router.post('/', async (ctx) => {
    const v = await view(ctx);
    const outcome = await d.passkeys.signIn(ctx, v, bodyOf(ctx, passkeyAnswer).response);
    if (outcome.kind === 'finished') return rememberDevice(ctx, outcome.userId, d.secure);
    if (outcome.kind === 'second_factor') {
      ctx.status = 303;
      return ctx.redirect(`/interaction/${v.uid}/factor`);
    }
    if (outcome.kind === 'denied') return emailPage(ctx, v, outcome.reason, 403);
    return emailPage(ctx, v, 'login.passkey_failed', 400);
  });

  return router;
}
