/**
 * My account's profile, language and linked sign-ins. HTTP only: parse, call, render.
 *   POST /account/profile                      name
 *   POST /account/language                     the person's language (this browser's choice too)
 *   POST /account/email                        mails a link to the new address (current password, or a fresh second factor)
 *   GET  /account/email/confirm-factor         a new two-step sign-in, for a person without a password
 *   GET  /account/email/confirm?token=         the confirmation page (never uses the link)
 *   POST /account/email/confirm                uses the link: the address changes
 *   POST /account/links/:kind/:id/disconnect   removes a company or social link, unless it is the last way in
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import { bodyOf, form, text } from '../http/input.js';
import { guard } from '../http/guard.js';
import { lenient, pathParams } from '../http/route-fields.js';
import { z } from 'zod';
import { applyPersonLanguage, pickLanguage, rememberChoice } from '../http/i18n.js';
import { renderPage } from '../http/views.js';
import { AppError } from '../lib/errors.js';
import { freshFactor, type CurrentPerson } from './current-person.js';
import type { EmailChange } from './email-change.js';
import type { Lifecycle } from './lifecycle.js';
import type { LinkedSignIns } from './linked-sign-ins.js';
import type { AccountPage } from './my-account-routes.js';
import type { AccountStore } from './store.js';
import type { Audit } from '../audit/index.js';

export interface ProfileRoutesDeps {
  person: CurrentPerson;
  page: AccountPage;
  accounts: AccountStore;
  lifecycle: Lifecycle;
  emailChange: EmailChange;
  linked: LinkedSignIns;
  audit: Audit;
}

const profileForm = form({ name: text });
const languageForm = form({ locale: text });
const emailForm = form({ email: text, current_password: text });
const tokenForm = form({ token: text });
const NAME_MAX = 200;

export function profileRoutes(d: ProfileRoutesDeps) {
  const router = new Router({ prefix: '/account' });
  const back = (ctx: Context, done: string, anchor = '') => {
    ctx.status = 303;
    ctx.redirect(`/account?done=${done}${anchor}`);
  };

  router.post('/profile', async (ctx) => {
    const who = (await d.person.signedIn(ctx))!;
    const name = bodyOf(ctx, profileForm).name.trim();
    if (name.length > NAME_MAX)
      return d.page(ctx, who, { profileErrors: { name: ctx.state.t('account.name_too_long', { max: NAME_MAX }) } }, 400);
    await d.accounts.updateUser(who.user.id, { name: name || null });
    await d.audit.record(ctx, { type: 'profile.updated', outcome: 'success', userId: who.user.id, data: { fields: ['name'] } });
    back(ctx, 'profile', '#profile');
  });

  router.post('/language', async (ctx) => {
    const who = (await d.person.signedIn(ctx))!;
    const raw = bodyOf(ctx, languageForm).locale;
    const lang = pickLanguage([raw]);
    if (!lang || raw.length > 10) throw new AppError('invalid_input', 400, ctx.state.t('account.language_unknown'), true);
    await d.accounts.updateUser(who.user.id, { locale: lang });
    rememberChoice(ctx, lang);
    await d.audit.record(ctx, {
      type: 'profile.updated',
      outcome: 'success',
      userId: who.user.id,
      data: { fields: ['locale'], locale: lang },
    });
    back(ctx, 'language', '#profile');
  });

  router.post('/email', async (ctx) => {
    const who = (await d.person.signedIn(ctx))!;
    const t = ctx.state.t;
    const b = bodyOf(ctx, emailForm);
    const email = b.email.trim();
    const fail = (field: 'email' | 'email_password', key: string, status = 400, vars: Record<string, unknown> = {}) =>
      d.page(ctx, who, { emailErrors: { [field]: t(key, vars) }, newEmail: email }, status);
    if (!email) return fail('email', 'login.enter_email');
    const hasPassword = !!(await d.accounts.passwordHash(who.user.id));
    if (!freshFactor(who) || b.current_password) {
      if (!hasPassword) return fail('email_password', 'account.email_confirm_factor');
      if (!b.current_password) return fail('email_password', 'account.enter_current');
      const { ok, wait } = await d.lifecycle.confirmPassword(ctx, who.user, b.current_password);
      if (wait) return fail('email_password', 'login.throttled', 429, { seconds: wait });
      if (!ok) {
        await d.audit.record(ctx, {
          type: 'email.change_refused',
          outcome: 'failure',
          userId: who.user.id,
          data: { reason: 'wrong_password' },
        });
        return fail('email_password', 'account.wrong_current');
      }
    }
    const result = await d.emailChange.request(ctx, who.user, email);
    if (result === 'invalid') return fail('email', 'login.email_invalid');
    if (result === 'same') return fail('email', 'account.email_same');
    if (result === 'managed') return fail('email', 'account.email_managed', 403);
    if (result === 'rate_limited') return fail('email', 'account.email_rate_limited', 429);
    if (result === 'mail_failed') return fail('email', 'account.email_mail_failed', 503);
    return d.page(ctx, who, { notice: t('account.email_sent', { email }) });
  });

  router.get('/email/confirm-factor', async (ctx) => {
    if (await d.person.signedIn(ctx)) d.person.stepUp(ctx, { returnTo: '/account', extra: { max_age: '0' } });
  });

  const confirmPage = (ctx: Context, vars: Record<string, unknown>, status = 200) =>
    renderPage(ctx, 'email-confirm', { title: ctx.state.t('account.email_confirm_title'), ...vars }, status);

  // A repeated or over-long token is no link: the "link invalid" page, as for an unknown one.
  const confirmQuery = guard({ query: z.object({ token: lenient(100) }) });
  router.get('/email/confirm', confirmQuery, async (ctx) => {
    const token = confirmQuery.input(ctx).query.token ?? '';
    const pending = token ? await d.emailChange.peek(token) : undefined;
    if (!pending) return confirmPage(ctx, { invalid: true }, 400);
    applyPersonLanguage(ctx, pending.user.locale); // the link names the person: their language
    confirmPage(ctx, { token, email: pending.email, oldEmail: pending.user.email });
  });

  router.post('/email/confirm', async (ctx) => {
    const token = bodyOf(ctx, tokenForm).token;
    const result = await d.emailChange.confirm(ctx, token.slice(0, 100));
    if (result.ok) {
      applyPersonLanguage(ctx, result.user.locale);
      return confirmPage(ctx, { done: true, email: result.email });
    }
    confirmPage(
      ctx,
      { invalid: result.reason === 'link_invalid', taken: result.reason === 'taken' },
      result.reason === 'taken' ? 409 : 400,
    );
  });

  const link = guard({ params: pathParams('kind', 'id') });
  router.post('/links/:kind/:id/disconnect', link, async (ctx) => {
    const who = (await d.person.signedIn(ctx))!;
    const { kind, id } = link.input(ctx).params;
    if (kind !== 'company' && kind !== 'social') throw new AppError('not_found', 404, ctx.state.t('account.link_not_found'), true);
    try {
      await d.linked.disconnect(ctx, who.user, kind, id);
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== 'last_way_in') throw err;
      return d.page(ctx, who, { linkError: err.message }, 409);
    }
    back(ctx, 'link_removed', '#linked-sign-ins');
  });

  return router;
}
