/**
 * Changing a person's email address from My account. Rules:
 * - the person proves it is them now (the caller checks: the current password through the sign-in
 *   throttle, or a second factor passed in the last few minutes);
 * - an address managed elsewhere (provisioned over SCIM, or created by a company connection) is not
 *   changed here;
 * - the new address gets a single-use link (accounts/action-links.ts: hashed, expires in an hour; a
 *   new request retires the previous link); nothing changes until it is used (a POST: GET only
 *   shows the page, mail scanners follow links);
 * - the answer to the request is the same whether or not the new address belongs to someone: only the
 *   owner of that mailbox learns, on confirming, that it is taken (409, nothing changed);
 * - on confirmation the address (and its lookup form) changes, counts as verified, links mailed to
 *   the old address stop working, and the old address is told;
 * - every request, change and refusal is audited.
 */
import type { Context } from 'koa';
import type { Audit } from '../audit/index.js';
import { languageFor } from '../http/i18n.js';
import type { RateLimiter } from '../login/throttle.js';
import { buildEmail } from '../notify/emails.js';
import type { Mailer } from '../notify/mailer.js';
import { createActionLinks, TTL } from './action-links.js';
import type { ProfileStore } from './profile-store.js';
import { normalizeEmail, type AccountStore, type User } from './store.js';
import { emailSchema } from './users.js';

export interface EmailChangeDeps {
  issuer: string;
  accounts: AccountStore;
  profile: ProfileStore;
  mailer: Mailer;
  audit: Audit;
  limiter: RateLimiter;
}

export type RequestResult = 'sent' | 'invalid' | 'same' | 'managed' | 'rate_limited' | 'mail_failed';
export type ConfirmResult = { ok: true; user: User; email: string } | { ok: false; reason: 'link_invalid' | 'taken' };

export function createEmailChange(d: EmailChangeDeps) {
  const links = createActionLinks({ issuer: d.issuer, accounts: d.accounts });

  return {
    isManaged: (userId: string) => d.profile.isManaged(userId),

    /** Mails a confirmation link to `newEmail` (the caller has re-checked who this is). */
    async request(ctx: Context, user: User, newEmail: string): Promise<RequestResult> {
      const parsed = emailSchema.safeParse(newEmail);
      if (!parsed.success) return 'invalid';
      const email = parsed.data;
      if (normalizeEmail(email) === normalizeEmail(user.email)) return 'same';
      if (await d.profile.isManaged(user.id)) {
        await d.audit.record(ctx, { type: 'email.change_refused', outcome: 'failure', userId: user.id, data: { reason: 'managed' } });
        return 'managed';
      }
      if (!(await d.limiter.allow(`email-change:${user.id}`, 5, 3600))) {
        await d.audit.record(ctx, { type: 'email.change_rate_limited', outcome: 'failure', userId: user.id });
        return 'rate_limited';
      }
      const link = await links.issue(user.id, 'change_email', { newEmail: email });
      const lang = languageFor(ctx, user.locale);
      try {
        await d.mailer.send(
          buildEmail('email_change', lang, email, { link, name: user.name ?? undefined, minutes: TTL.change_email / 60, address: email }),
        );
      } catch (err) {
        // The mail server is away: say so (a 503 page), and keep nothing that no one received.
        await d.accounts.expireActionTokens(user.id, 'change_email');
        await d.audit.record(ctx, { type: 'mail.failed', outcome: 'failure', userId: user.id, data: { error: (err as Error).message } });
        return 'mail_failed';
      }
      await d.audit.record(ctx, { type: 'email.change_requested', outcome: 'info', userId: user.id });
      return 'sent';
    },

    /** The pending change a link stands for, without using it (the GET page). */
    async peek(token: string) {
      const row = await links.peek('change_email', token);
      const user = row?.new_email ? await d.accounts.findUser(row.user_id) : undefined;
      return user && row?.new_email ? { user, email: row.new_email } : undefined;
    },

    async confirm(ctx: Context, token: string): Promise<ConfirmResult> {
      const used = await links.use('change_email', token);
      const user = used?.new_email ? await d.accounts.findUser(used.user_id) : undefined;
      if (!used?.new_email || !user || user.status === 'disabled') return { ok: false, reason: 'link_invalid' };
      const email = used.new_email;
      const refuse = async () => {
        await d.audit.record(ctx, { type: 'email.change_refused', outcome: 'failure', userId: user.id, data: { reason: 'taken' } });
        return { ok: false as const, reason: 'taken' as const };
      };
      const holder = await d.accounts.findUserByEmail(email);
      if (holder && holder.id !== user.id) return refuse();
      try {
        await d.accounts.updateUser(user.id, { email, email_verified: true });
      } catch (err) {
        if ((err as { code?: string }).code === '23505') return refuse(); // taken at this very moment
        throw err;
      }
      // Links mailed to the old address (a reset, a verification) must not outlive it.
      for (const purpose of ['reset_password', 'verify_email'] as const) await d.accounts.expireActionTokens(user.id, purpose);
      await d.audit.record(ctx, { type: 'email.changed', outcome: 'success', userId: user.id });
      const notice = buildEmail('email_changed', languageFor(ctx, user.locale), user.email, {
        name: user.name ?? undefined,
        address: email,
      });
      await d.mailer
        .send(notice)
        .catch((err: Error) =>
          d.audit.record(ctx, { type: 'mail.failed', outcome: 'failure', userId: user.id, data: { error: err.message } }),
        );
      return { ok: true, user: { ...user, email, email_verified: true }, email };
    },
  };
}
export type EmailChange = ReturnType<typeof createEmailChange>;
