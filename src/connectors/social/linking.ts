/**
 * The social policy: who a social identity may sign in, how it links, what it trusts (account
 * takeover is the risk). Rules:
 * - an identity is keyed on (connection, provider subject), never on email: it signs in only the
 *   account it is linked to, and one identity links to one account;
 * - an unlinked identity links only after the person proves the account here: its password
 *   (throttled like the password step) or a code mailed to its address — never because the
 *   provider's email matches, verified or not, unless the operator turned on trust_verified_email
 *   for this provider and the provider says the email is verified;
 * - sign-up is per provider (allow_sign_up, off by default) and needs an email: verified by the
 *   provider, the account is created at once; otherwise (or when an account already has that email)
 *   a code is mailed to it first, and proving it creates the account or links the existing one;
 * - Apple sends the name once: it is kept on the link and fills an account without a name;
 * - unlinking (My account) is refused when it would leave the person no way in: one rule for company
 *   and social links, in accounts/linked-sign-ins.ts;
 * - every link, sign-up, unlink and refusal is audited.
 */
import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import { normalizeEmail, type AccountStore, type User } from '../../accounts/store.js';
import type { PasswordHasher } from '../../accounts/passwords.js';
import type { Users } from '../../accounts/users.js';
import type { Audit } from '../../audit/index.js';
import { languageFor, type Language } from '../../http/i18n.js';
import type { RateLimiter, Throttle } from '../../login/throttle.js';
import { buildEmail } from '../../notify/emails.js';
import type { Mailer } from '../../notify/mailer.js';
import { fail } from '../errors.js';
import type { SocialStore } from './store.js';
import type { SocialConnection, SocialPerson } from './types.js';

const PENDING_SECONDS = 900;
const CODE_MINUTES = 10;
const CODE_ATTEMPTS = 5;

export interface SocialLinkingDeps {
  store: SocialStore;
  accounts: AccountStore;
  users: Users;
  hasher: PasswordHasher;
  throttle: Throttle;
  mailer: Mailer;
  audit: Audit;
  /** Bounds the codes mailed to one address (and from one client address). */
  limiter: RateLimiter;
}

/** An identity waiting to be linked (or to sign up) in one interaction. */
export interface Pending {
  connectionId: string;
  person: SocialPerson;
  /** A code mailed to `email`: for the account `userId` (link), or for a new account (sign-up). */
  code?: { hash: string; email: string; userId?: string; signUp: boolean; expiresAt: number; attempts: number };
}

const pendingKey = (uid: string) => `pending:${uid}`;
const hashCode = (uid: string, code: string) => createHash('sha256').update(`${uid}:${code}`).digest();

export function createSocialLinking(d: SocialLinkingDeps) {
  const audit = (
    ctx: Context,
    type: string,
    outcome: 'success' | 'failure' | 'info',
    userId: string | undefined,
    data: Record<string, unknown>,
  ) => d.audit.record(ctx, { type, outcome, userId, data });

  async function link(ctx: Context, conn: SocialConnection, person: SocialPerson, user: User, how: string) {
    const linked = await d.store.link({
      connection_id: conn.id,
      subject: person.subject,
      user_id: user.id,
      email: person.email ?? null,
      name: person.name ?? null,
    });
    if (!linked) {
      await audit(ctx, 'social.link_refused', 'failure', user.id, { connectionId: conn.id, reason: 'already_linked' });
      throw fail('already_linked', 'this social account is already linked to an account');
    }
    if (!user.name && person.name)
      await d.accounts.updateUser(user.id, {
        name: person.name,
        given_name: person.given_name ?? null,
        family_name: person.family_name ?? null,
      });
    await audit(ctx, 'social.linked', 'success', user.id, { connectionId: conn.id, how });
    return (await d.accounts.findUser(user.id))!;
  }

  async function create(ctx: Context, conn: SocialConnection, person: SocialPerson, emailVerified: boolean) {
    const user = await d.users.create({
      email: person.email!,
      name: person.name ?? null,
      given_name: person.given_name ?? null,
      family_name: person.family_name ?? null,
      email_verified: emailVerified,
      status: 'active',
    });
    await d.store.link({
      connection_id: conn.id,
      subject: person.subject,
      user_id: user.id,
      email: person.email ?? null,
      name: person.name ?? null,
    });
    await audit(ctx, 'social.signed_up', 'success', user.id, { connectionId: conn.id, emailVerified });
    return user;
  }

  async function mailCode(
    ctx: Context,
    uid: string,
    pending: Pending,
    email: string,
    lang: Language,
    target: { userId?: string; signUp: boolean },
  ) {
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const next: Pending = {
      ...pending,
      code: { hash: hashCode(uid, code).toString('base64'), email, ...target, expiresAt: Date.now() + CODE_MINUTES * 60e3, attempts: 0 },
    };
    await savePending(uid, next);
    const user = target.userId ? await d.accounts.findUser(target.userId) : undefined;
    const allowed =
      (await d.limiter.allow(`social-code:${normalizeEmail(email)}`, 5, 3600)) &&
      (await d.limiter.allow(`social-code-ip:${ctx.ip}`, 20, 3600));
    // Sent after the answer, so its time does not tell whether an account has this address.
    if (allowed && (target.userId || target.signUp)) {
      d.mailer
        .send(
          buildEmail('login_code', languageFor(ctx, user?.locale, lang), email, {
            name: user?.name ?? undefined,
            code,
            minutes: CODE_MINUTES,
          }),
        )
        .catch((err: Error) =>
          d.audit.record(undefined, { type: 'mail.failed', outcome: 'failure', userId: target.userId, data: { error: err.message } }),
        );
    }
    await audit(ctx, allowed ? 'social.code_sent' : 'social.code_limited', 'info', target.userId, {
      connectionId: pending.connectionId,
      signUp: target.signUp,
    });
  }

  const savePending = (uid: string, p: Pending) =>
    d.store.putState({
      state: pendingKey(uid),
      connection_id: p.connectionId,
      data: { stage: 'pending', ...p },
      expires_at: new Date(Date.now() + PENDING_SECONDS * 1000),
    });

  return {
    /** The linked account, or (trust_verified_email on, verified email) the account with that email, linked now. */
    async resolve(ctx: Context, conn: SocialConnection, person: SocialPerson): Promise<User | undefined> {
      const found = await d.store.findLink(conn.id, person.subject);
      const user = found && (await d.accounts.findUser(found.user_id));
      if (user) {
        await d.store.touchLink(conn.id, person.subject);
        return user;
      }
      if (conn.settings.trust_verified_email && person.emailVerified && person.email) {
        const existing = await d.accounts.findUserByEmail(person.email);
        if (existing) return link(ctx, conn, person, existing, 'verified_email');
      }
      return undefined;
    },

    /** Links an identity to a signed-in person (My account). */
    linkToAccount: (ctx: Context, conn: SocialConnection, person: SocialPerson, user: User) => link(ctx, conn, person, user, 'account'),

    savePending,
    async pending(uid: string): Promise<Pending | undefined> {
      const row = await d.store.peekState(pendingKey(uid));
      return row?.data.stage === 'pending' ? (row.data as unknown as Pending) : undefined;
    },
    dropPending: (uid: string) => d.store.takeState(pendingKey(uid)),

    /** Proof by password (throttled; same work for unknown accounts), then the link. */
    async proveByPassword(ctx: Context, conn: SocialConnection, pending: Pending, email: string, password: string) {
      const user = await d.accounts.findUserByEmail(email);
      const subject = { emailNorm: normalizeEmail(email), ip: ctx.ip, knownDevice: false };
      const checked = await d.throttle.check(subject);
      if (checked.wait > 0) return { kind: 'throttled' as const, seconds: checked.wait };
      const { ok } = await d.hasher.verify(user ? await d.accounts.passwordHash(user.id) : undefined, password);
      if (!ok || !user) {
        await d.throttle.failure(subject);
        await audit(ctx, 'social.link_proof', 'failure', user?.id, { connectionId: conn.id, how: 'password' });
        return { kind: 'wrong' as const };
      }
      await d.throttle.success(subject, checked);
      return { kind: 'linked' as const, user: await link(ctx, conn, pending.person, user, 'password') };
    },

    /** "Email me a code": mailed only when an account has that address; the page says the same either way. */
    async sendLinkCode(ctx: Context, uid: string, pending: Pending, email: string, lang: Language) {
      const user = await d.accounts.findUserByEmail(email);
      await mailCode(ctx, uid, pending, email, lang, { userId: user?.id, signUp: false });
    },

    /** A code proves the address: links its account, or (sign-up) creates one. Undefined when wrong. */
    async proveByCode(ctx: Context, uid: string, conn: SocialConnection, pending: Pending, code: string) {
      const c = pending.code;
      if (!c || c.expiresAt < Date.now() || c.attempts >= CODE_ATTEMPTS) return { kind: 'expired' as const };
      const ok = timingSafeEqual(hashCode(uid, code.trim()), Buffer.from(c.hash, 'base64'));
      if (!ok || (!c.userId && !c.signUp)) {
        await savePending(uid, { ...pending, code: { ...c, attempts: c.attempts + 1 } });
        await audit(ctx, 'social.link_proof', 'failure', c.userId, { connectionId: conn.id, how: 'email_code' });
        return { kind: 'wrong' as const };
      }
      const existing = c.userId ? await d.accounts.findUser(c.userId) : await d.accounts.findUserByEmail(c.email);
      if (existing) return { kind: 'linked' as const, user: await link(ctx, conn, pending.person, existing, 'email_code') };
      return { kind: 'linked' as const, user: await create(ctx, conn, { ...pending.person, email: c.email }, true) };
    },

    /** Sign-up through the provider: created now when the provider verified an unused email, else a code first. */
    async signUp(ctx: Context, uid: string, conn: SocialConnection, pending: Pending, lang: Language) {
      if (!conn.settings.allow_sign_up) {
        await audit(ctx, 'social.signup_refused', 'failure', undefined, { connectionId: conn.id });
        throw fail('signup_disabled', 'sign-up through this provider is off');
      }
      const email = pending.person.email;
      if (!email) throw fail('no_email', 'the provider sent no email address');
      const existing = await d.accounts.findUserByEmail(email);
      if (pending.person.emailVerified && !existing)
        return { kind: 'created' as const, user: await create(ctx, conn, pending.person, true) };
      await mailCode(ctx, uid, pending, email, lang, { userId: existing?.id, signUp: true });
      return { kind: 'code_sent' as const, email };
    },

    linksOf: (userId: string) => d.store.linksOf(userId),
  };
}
export type SocialLinking = ReturnType<typeof createSocialLinking>;
