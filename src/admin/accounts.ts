/**
 * The installation's people, for an operator (the CLI today): accounts across every organization.
 * Rules:
 * - every use-case is an operator's, and one that changes something needs write access (403 otherwise);
 * - a person created here is active with a verified email (the operator vouches for the address, as in a
 *   bootstrap file); an address that already has an account is refused (409, `user_exists`);
 * - a password not given is generated (144 random bits) and returned once to show; every password passes
 *   the password policy; a password is never in the audit data, only whether it was generated;
 * - revoking trusted devices (one, or all of a person's) brings the two-step prompt back at the next sign-in;
 * - every change is an audit event (`admin.user_created`, `admin.password_set`, `admin.trusted_device_revoked`)
 *   naming the actor.
 */
import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import { z } from 'zod';
import type { AccountStore, User } from '../accounts/store.js';
import type { Users } from '../accounts/users.js';
import type { Audit } from '../audit/index.js';
import type { FactorStore } from '../factors/store.js';
import { AppError, forbidden, notFound } from '../lib/errors.js';
import type { Actor } from './actor.js';

export const accountCreateInput = z.strictObject({
  email: z.string().min(1).max(254),
  name: z.string().max(200).optional(),
  password: z.string().max(1000).optional(),
});
export const passwordSetInput = z.strictObject({ password: z.string().max(1000).optional() });
export const deviceRevokeInput = z.strictObject({ device_id: z.string().min(1).max(100).optional() });

/** 24 characters from a 144-bit random value. */
const generatePassword = () => randomBytes(18).toString('base64url');

export interface AdminAccountsDeps {
  accounts: AccountStore;
  users: Users;
  factors: Pick<FactorStore, 'revokeTrustedDevice' | 'revokeAllTrustedDevices' | 'trustedDevicesOf'>;
  audit: Audit;
}

/** Only an operator administers accounts across organizations; a change needs write access. */
export function operatorOnly(actor: Actor, write: boolean) {
  if (!actor.operator) throw forbidden('operator_only', 'only an operator administers accounts across organizations');
  if (write && !actor.canWrite) throw new AppError('insufficient_scope', 403, 'this operation needs the admin:write scope');
}

export function createAdminAccounts(d: AdminAccountsDeps) {
  const record = (ctx: Context | undefined, actor: Actor, type: string, userId: string, data: Record<string, unknown>) =>
    d.audit.record(ctx, { type, outcome: 'success', actor: actor.who, userId, data: { target: userId, ...data } });

  /** The person with this email address (404 otherwise). */
  async function byEmail(actor: Actor, email: string): Promise<User> {
    operatorOnly(actor, false);
    const user = await d.accounts.findUserByEmail(email);
    if (!user) throw notFound('no_user', `no user with email ${email}`);
    return user;
  }

  return {
    byEmail,

    async list(actor: Actor) {
      operatorOnly(actor, false);
      return d.accounts.listUsers();
    },

    /** Creates an active person with a verified email; `password` is the one to show (generated when not given). */
    async create(ctx: Context | undefined, actor: Actor, input: z.input<typeof accountCreateInput>) {
      operatorOnly(actor, true);
      const { email, name, password: given } = accountCreateInput.parse(input);
      if (await d.accounts.findUserByEmail(email))
        throw new AppError(
          'user_exists',
          409,
          `a user with email ${email} already exists (set a new password with: user password ${email})`,
        );
      const password = given ?? generatePassword();
      const user = await d.users.create({ email, name: name ?? null, password, email_verified: true });
      await record(ctx, actor, 'admin.user_created', user.id, { after: { email: user.email }, generatedPassword: !given });
      return { user, password, generated: !given };
    },

    async setPassword(ctx: Context | undefined, actor: Actor, email: string, input: z.input<typeof passwordSetInput>) {
      operatorOnly(actor, true);
      const { password: given } = passwordSetInput.parse(input);
      const user = await byEmail(actor, email);
      const password = given ?? generatePassword();
      await d.users.setPassword(user, password);
      await record(ctx, actor, 'admin.password_set', user.id, { after: { password: 'set' }, generatedPassword: !given });
      return { user, password, generated: !given };
    },

    async trustedDevices(actor: Actor, email: string) {
      const user = await byEmail(actor, email);
      return d.factors.trustedDevicesOf(user.id);
    },

    /** Revokes one trusted device (`device_id`) or, without one, all of the person's. */
    async revokeTrustedDevices(ctx: Context | undefined, actor: Actor, email: string, input: z.input<typeof deviceRevokeInput>) {
      operatorOnly(actor, true);
      const { device_id: id } = deviceRevokeInput.parse(input);
      const user = await byEmail(actor, email);
      if (id) await d.factors.revokeTrustedDevice(user.id, id);
      else await d.factors.revokeAllTrustedDevices(user.id);
      await record(ctx, actor, 'admin.trusted_device_revoked', user.id, { deviceId: id ?? 'all' });
      return user;
    },
  };
}

export type AdminAccounts = ReturnType<typeof createAdminAccounts>;
