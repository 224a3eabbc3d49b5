/**
 * Creating people and setting their passwords, shared by sign-up, invitations, bootstrap and the CLI.
 * Every new password passes the password policy and is hashed with argon2id.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AppError, badRequest } from '../lib/errors.js';
import type { AccountStore, User } from './store.js';
import type { PasswordHasher } from './passwords.js';
import { passwordProblem } from './password-policy.js';
import { cleanEmail, isEmailAddress } from './email-address.js';

/** An email address, internationalized ones included (./email-address.ts); yields its cleaned form. */
export const emailSchema = z.string().max(254).transform(cleanEmail).refine(isEmailAddress, { message: 'not an email address' });

export interface NewUser {
  email: string;
  name?: string | null;
  given_name?: string | null;
  family_name?: string | null;
  locale?: string | null;
  password?: string;
  status?: User['status'];
  email_verified?: boolean;
}

export function createUsers(store: AccountStore, hasher: PasswordHasher, minPasswordLength: number) {
  async function setPassword(user: Pick<User, 'id' | 'email'>, password: string) {
    const problem = passwordProblem(password, minPasswordLength, user.email);
    if (problem) throw badRequest('weak_password', problem, { key: problem });
    await store.setPasswordHash(user.id, await hasher.hash(password));
  }

  return {
    setPassword,
    async create(input: NewUser): Promise<User> {
      const email = emailSchema.parse(input.email.trim());
      if (input.password !== undefined) {
        const problem = passwordProblem(input.password, minPasswordLength, email);
        if (problem) throw badRequest('weak_password', problem, { key: problem });
      }
      const user = {
        id: randomUUID(),
        email,
        email_verified: input.email_verified ?? false,
        name: input.name ?? null,
        given_name: input.given_name ?? null,
        family_name: input.family_name ?? null,
        locale: input.locale ?? null,
        status: input.status ?? 'active',
      };
      // Two requests creating one address at once (parallel invites, sign-ups, first sign-ins): the
      // loser gets a 409, never a unique-violation 500.
      if (!(await store.insertUser(user))) throw new AppError('account_exists', 409, 'this address already has an account');
      if (input.password !== undefined) await store.setPasswordHash(user.id, await hasher.hash(input.password));
      return { ...user, updated_at: new Date() };
    },
    /** True when the person's password is `password` (used by bootstrap to stay idempotent). */
    async hasPassword(userId: string, password: string) {
      return (await hasher.verify(await store.passwordHash(userId), password)).ok;
    },
  };
}
export type Users = ReturnType<typeof createUsers>;
