/**
 * The account lifecycle around sign-in: sign-up with email verification, invitations, forgot and
 * reset password, change password. Rules:
 * - links are random 256-bit tokens stored only as SHA-256 hashes, single use, and expire
 *   (verify 24 h, reset 30 min, invitation 7 days); a new reset link retires the previous ones;
 * - sign-up and forgot-password answer the same, and in the same time, whether the email is known or
 *   not (an existing account gets a "someone tried to sign up" mail instead of a second account):
 *   sign-up hashes the password and runs one statement of the same shape either way; forgot-password
 *   answers once throttled and does the lookup, the link and the mail after the answer;
 * - a reset can sign the person out everywhere (sessions, refresh tokens, back-channel logout), and a
 *   change in My account everywhere but this browser (the page offers it, checked);
 * - `localPasswordAllowed` is the hook for accounts that must use their company ID: for them a reset
 *   never creates a password.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Context } from 'koa';
import type { Audit } from '../audit/index.js';
import { languageFor, type Language } from '../http/i18n.js';
import { AppError, badRequest } from '../lib/errors.js';
import type { Mailer } from '../notify/mailer.js';
import { buildEmail, type EmailKind } from '../notify/emails.js';
import type { RateLimiter, Throttle } from '../login/throttle.js';
import type { AccountStore, User } from './store.js';
import { normalizeEmail } from './store.js';
import type { PasswordHasher } from './passwords.js';
import { emailSchema, type Users } from './users.js';
import { passwordProblem } from './password-policy.js';
import { createActionLinks, hashToken, TTL, type Purpose } from './action-links.js';

export interface LifecycleDeps {
  issuer: string;
  accounts: AccountStore;
  users: Users;
  hasher: PasswordHasher;
  mailer: Mailer;
  audit: Audit;
  limiter: RateLimiter;
  /** The password throttle (login/throttle.ts): re-checking a signed-in person's password counts like a sign-in. */
  throttle: Throttle;
  minPasswordLength: number;
  signOutEverywhere: (userId: string) => Promise<number>;
  /** Ends every session but one (and the other sessions' grants and tokens), as signOutEverywhere does. */
  signOutOthers: (userId: string, keepSessionId: string) => Promise<number>;
  localPasswordAllowed: (user: User) => Promise<boolean>;
}

export function createLifecycle(d: LifecycleDeps) {
  const links = createActionLinks({ issuer: d.issuer, accounts: d.accounts });
  const issueLink = (user: User, purpose: Purpose, extra: Record<string, string> = {}) => links.issue(user.id, purpose, { extra });
  const linkUrl = (purpose: Purpose, token: string, extra: Record<string, string>) => links.url(purpose, token, extra);

  /** Mail to a known person goes in their language (http/i18n.ts languageFor); an invitation in the inviter's choice. */
  async function mail(
    kind: EmailKind,
    lang: Language,
    user: Pick<User, 'email' | 'name'> & { locale?: string | null },
    link?: string,
    vars: { minutes?: number; org?: string } = {},
    ctx?: Context,
  ) {
    const language = kind === 'invitation' ? lang : languageFor(ctx, user.locale, lang);
    await d.mailer.send(buildEmail(kind, language, user.email, { link, name: user.name ?? undefined, ...vars }));
  }

  /**
   * Mails whose sending time would tell a stranger whether an account exists (sign-up, forgot
   * password) go out after the answer: every caller waits the same. A failure is audited.
   */
  function inBackground(ctx: Context, userId: string | undefined, work: () => Promise<void>) {
    const run = () =>
      setImmediate(() => {
        work()
          .catch((err: Error) =>
            d.audit.record(undefined, { type: 'mail.failed', outcome: 'failure', userId, data: { error: err.message } }),
          )
          .catch(() => undefined);
      });
    // Once the answer has been handed to the network (or the client went away): never before it.
    const res = ctx.res;
    if (!res || res.writableFinished || res.destroyed) return run();
    let started = false;
    const once = () => {
      if (!started) run();
      started = true;
    };
    res.once('finish', once);
    res.once('close', once);
  }

  function checkPassword(password: string, email: string) {
    const problem = passwordProblem(password, d.minPasswordLength, email);
    if (problem) throw badRequest('weak_password', problem, { key: problem });
  }

  const extraFor = (interaction?: string): Record<string, string> => (interaction ? { interaction } : {});

  return {
    checkPassword,

    /** Always "check your email" for the caller; false only when the form itself is invalid. */
    async signUp(ctx: Context, input: { email: string; name: string; password: string; lang: Language; interaction?: string }) {
      const email = emailSchema.parse(input.email.trim());
      checkPassword(input.password, email);
      if (
        !(await d.limiter.allow(`signup:${ctx.ip}`, 10, 3600)) ||
        !(await d.limiter.allow(`signup-mail:${normalizeEmail(email)}`, 3, 3600))
      ) {
        await d.audit.record(ctx, { type: 'signup.rate_limited', outcome: 'failure' });
        return;
      }
      // The same work whether or not the address is taken: one argon2 hash, one statement, one audit row.
      const token = randomBytes(32).toString('base64url');
      const hash = await d.hasher.hash(input.password);
      const user = {
        id: randomUUID(),
        email,
        email_verified: false,
        name: input.name.trim() || null,
        given_name: null,
        family_name: null,
        locale: input.lang,
        status: 'pending' as const,
      };
      const expires_at = new Date(Date.now() + TTL.verify_email * 1000);
      const holder = await d.accounts.insertSignUp(user, hash, { id_hash: hashToken(token), expires_at });
      if (!holder.created) {
        const forgot = new URL('/password/forgot', d.issuer).toString();
        inBackground(ctx, holder.id, () => mail('signup_existing', input.lang, holder, forgot, {}, ctx));
        await d.audit.record(ctx, { type: 'signup.existing_email', outcome: 'info', userId: holder.id });
        return;
      }
      const link = linkUrl('verify_email', token, extraFor(input.interaction));
      inBackground(ctx, user.id, () => mail('verify_email', input.lang, user, link, { minutes: TTL.verify_email / 60 }));
      await d.audit.record(ctx, { type: 'signup', outcome: 'success', userId: user.id });
    },

    /** Peeks at a link without using it (GET pages must not consume links: mail scanners follow them). */
    async peek(purpose: Purpose, token: string) {
      const row = await links.peek(purpose, token);
      return row ? d.accounts.findUser(row.user_id) : undefined;
    },

    async verifyEmail(ctx: Context, token: string) {
      const used = await d.accounts.useActionToken(hashToken(String(token ?? '')), 'verify_email');
      if (!used) return undefined;
      const user = await d.accounts.findUser(used.user_id);
      if (!user) return undefined;
      await d.accounts.updateUser(user.id, { email_verified: true, ...(user.status === 'pending' ? { status: 'active' as const } : {}) });
      await d.audit.record(ctx, { type: 'email.verified', outcome: 'success', userId: user.id });
      return user;
    },

    async forgotPassword(ctx: Context, input: { email: string; lang: Language; interaction?: string }) {
      const parsed = emailSchema.safeParse(String(input.email ?? '').trim());
      if (!parsed.success) return false;
      const email = parsed.data;
      if (
        !(await d.limiter.allow(`forgot:${normalizeEmail(email)}`, 3, 900)) ||
        !(await d.limiter.allow(`forgot-ip:${ctx.ip}`, 20, 3600))
      ) {
        await d.audit.record(ctx, { type: 'password.reset_rate_limited', outcome: 'failure' });
        return true;
      }
      // Whether the address is known decides what happens next: that happens after the answer.
      inBackground(ctx, undefined, async () => {
        const user = await d.accounts.findUserByEmail(email);
        if (!user || user.status === 'disabled') {
          await d.audit.record(ctx, { type: 'password.reset_requested', outcome: 'info', data: { known: false } });
          return;
        }
        if (!(await d.localPasswordAllowed(user))) {
          await d.audit.record(ctx, { type: 'password.reset_refused_sso', outcome: 'info', userId: user.id });
          return mail('reset_sso', input.lang, user, undefined, {}, ctx);
        }
        const link = await issueLink(user, 'reset_password', extraFor(input.interaction));
        await d.audit.record(ctx, { type: 'password.reset_requested', outcome: 'info', userId: user.id });
        await mail('reset_password', input.lang, user, link, { minutes: TTL.reset_password / 60 }, ctx);
      });
      return true;
    },

    async resetPassword(ctx: Context, input: { token: string; password: string; signOutAll: boolean; lang: Language }) {
      const user = await this.peek('reset_password', input.token);
      if (!user) return { ok: false as const, reason: 'link_invalid' };
      checkPassword(input.password, user.email);
      if (!(await d.localPasswordAllowed(user))) return { ok: false as const, reason: 'sso_only' };
      const used = await d.accounts.useActionToken(hashToken(input.token), 'reset_password');
      if (!used) return { ok: false as const, reason: 'link_invalid' };
      await d.accounts.setPasswordHash(user.id, await d.hasher.hash(input.password));
      // Receiving the link proves the mailbox: a pending sign-up becomes verified too.
      if (!user.email_verified || user.status === 'pending')
        await d.accounts.updateUser(user.id, { email_verified: true, ...(user.status === 'pending' ? { status: 'active' as const } : {}) });
      const ended = input.signOutAll ? await d.signOutEverywhere(user.id) : 0;
      await mail('password_changed', input.lang, user, undefined, {}, ctx);
      await d.audit.record(ctx, {
        type: 'password.reset',
        outcome: 'success',
        userId: user.id,
        data: { signedOutSessions: ended, signOutAll: input.signOutAll },
      });
      return { ok: true as const, user };
    },

    /** An administrator's forced reset: the password is gone, every session and token ends, a reset link is mailed. */
    async forceReset(user: User, lang: Language, org?: string) {
      await d.accounts.deletePassword(user.id);
      const ended = await d.signOutEverywhere(user.id);
      // Someone who signs in with their company ID gets no password (and no mail about one).
      if (await d.localPasswordAllowed(user))
        await mail('reset_forced', lang, user, await issueLink(user, 'reset_password'), { minutes: TTL.reset_password / 60, org });
      return ended;
    },

    async invite(ctx: Context | undefined, input: { email: string; name?: string; lang: Language; org?: string }) {
      const email = emailSchema.parse(input.email.trim());
      let user = await d.accounts.findUserByEmail(email);
      if (user && user.status !== 'invited') throw badRequest('already_member', 'this person already has an account');
      user ??= await d.users
        .create({ email, name: input.name ?? null, status: 'invited', email_verified: false })
        .catch(async (err: unknown) => {
          // A parallel invite of the same address created it first: invite that person again.
          const twin = err instanceof AppError && err.code === 'account_exists' ? await d.accounts.findUserByEmail(email) : undefined;
          if (twin?.status === 'invited') return twin;
          throw err;
        });
      const link = await issueLink(user, 'invitation');
      await mail('invitation', input.lang, user, link, { org: input.org ?? 'Wayfinder' });
      await d.audit.record(ctx, { type: 'invitation.sent', outcome: 'success', userId: user.id });
      return { user, link };
    },

    async activateInvitation(ctx: Context, input: { token: string; password: string }) {
      const user = await this.peek('invitation', input.token);
      if (!user || user.status !== 'invited') return undefined;
      checkPassword(input.password, user.email);
      const used = await d.accounts.useActionToken(hashToken(input.token), 'invitation');
      if (!used) return undefined;
      await d.accounts.setPasswordHash(user.id, await d.hasher.hash(input.password));
      await d.accounts.updateUser(user.id, { status: 'active', email_verified: true });
      await d.audit.record(ctx, { type: 'invitation.accepted', outcome: 'success', userId: user.id });
      return user;
    },

    /** `keepSessionId`: sign out of every other device (sessions, refresh tokens, back-channel logout), keeping this one. */
    /**
     * Re-checks a signed-in person's password (changing it, new recovery codes): counted by the same
     * throttle as sign-in, for this account from this address, so a stolen session is no faster a
     * password oracle than the sign-in page. `wait` > 0: blocked, nothing was checked.
     */
    async confirmPassword(ctx: Context, user: User, password: string): Promise<{ ok: boolean; wait: number }> {
      const subject = { emailNorm: normalizeEmail(user.email), ip: ctx.ip, knownDevice: true };
      const checked = await d.throttle.check(subject);
      if (checked.wait > 0) return { ok: false, wait: checked.wait };
      const { ok } = await d.hasher.verify(await d.accounts.passwordHash(user.id), password);
      if (ok) await d.throttle.success(subject, checked);
      else await d.throttle.failure(subject);
      return { ok, wait: 0 };
    },

    /** False for a wrong current password; a 429 AppError (`seconds` in details) while throttled. */
    async changePassword(ctx: Context, user: User, input: { current: string; password: string; lang: Language; keepSessionId?: string }) {
      const { ok, wait } = await this.confirmPassword(ctx, user, input.current);
      if (wait) throw new AppError('too_many_attempts', 429, 'too many attempts', true, { retryAfter: wait, seconds: wait });
      if (!ok) {
        await d.audit.record(ctx, {
          type: 'password.change',
          outcome: 'failure',
          userId: user.id,
          data: { reason: 'wrong_current_password' },
        });
        return false;
      }
      checkPassword(input.password, user.email);
      await d.accounts.setPasswordHash(user.id, await d.hasher.hash(input.password));
      const ended = input.keepSessionId ? await d.signOutOthers(user.id, input.keepSessionId) : 0;
      await mail('password_changed', input.lang, user, undefined, {}, ctx);
      const data = { signOutOthers: !!input.keepSessionId, signedOutSessions: ended };
      await d.audit.record(ctx, { type: 'password.change', outcome: 'success', userId: user.id, data });
      return true;
    },
  };
}
export type Lifecycle = ReturnType<typeof createLifecycle>;
