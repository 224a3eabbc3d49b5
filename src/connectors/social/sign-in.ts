/**
 * A social sign-in inside one interaction, from the provider's verified answer to the policy gate.
 * Rules:
 * - a linked identity (or, with trust_verified_email, a verified email's account) goes straight to
 *   the single policy gate (journey.conclude) with method 'social', amr ['fed'] and no factor: the
 *   two-step policy then applies exactly as after a password, and SSO-only members are refused;
 * - an unlinked identity waits (15 minutes, this interaction only) while the person proves an
 *   existing account (password or emailed code) or signs up where the provider allows it; proving
 *   links the identity, then the same gate decides;
 * - nothing is finished before the gate (and any second factor) passed.
 */
import type { Context } from 'koa';
import type { User } from '../../accounts/store.js';
import type { Language } from '../../http/i18n.js';
import type { Journey, Outcome } from '../../login/journey.js';
import type { InteractionView } from '../../oidc/interactions.js';
import { AMR_FEDERATED } from '../federation.js';
import { fail } from '../errors.js';
import type { SocialFlow } from './flow.js';
import type { Pending, SocialLinking } from './linking.js';
import type { SocialConnection } from './types.js';

export type SocialOutcome = Outcome | { kind: 'needs_link' };

export function createSocialSignIn(d: { flow: SocialFlow; linking: SocialLinking; journey: Journey }) {
  async function conclude(ctx: Context, view: InteractionView, conn: SocialConnection, user: User): Promise<Outcome> {
    await d.linking.dropPending(view.uid);
    const s = await d.journey.state(view.uid);
    return d.journey.conclude(ctx, view, user, {
      ...s,
      email: user.email,
      method: 'social',
      amr: [AMR_FEDERATED],
      factors: [],
      remember: false,
      social: { id: conn.id },
    });
  }

  /** The identity waiting in this interaction, with its (still enabled) connection. */
  async function waiting(uid: string): Promise<{ conn: SocialConnection; pending: Pending }> {
    const pending = await d.linking.pending(uid);
    if (!pending) throw Object.assign(fail('expired', 'no social sign-in is waiting in this sign-in'), { uid });
    const { conn } = await d.flow.usable(pending.connectionId);
    return { conn, pending };
  }

  return {
    waiting,

    start: (ctx: Context, view: InteractionView, connectionId: string) =>
      d.flow.start(ctx, connectionId, { kind: 'sign_in', uid: view.uid }),

    /** Back from the provider: sign in the linked account, or wait for a proof. */
    async complete(ctx: Context, view: InteractionView, result: string): Promise<SocialOutcome> {
      const { conn, person } = await d.flow.takeResult(result, { kind: 'sign_in', uid: view.uid });
      const user = await d.linking.resolve(ctx, conn, person);
      if (user) return conclude(ctx, view, conn, user);
      await d.linking.savePending(view.uid, { connectionId: conn.id, person });
      return { kind: 'needs_link' };
    },

    async password(ctx: Context, view: InteractionView, email: string, password: string) {
      const { conn, pending } = await waiting(view.uid);
      const proved = await d.linking.proveByPassword(ctx, conn, pending, email, password);
      return proved.kind === 'linked' ? conclude(ctx, view, conn, proved.user) : proved;
    },

    async sendCode(ctx: Context, view: InteractionView, email: string, lang: Language) {
      const { pending } = await waiting(view.uid);
      await d.linking.sendLinkCode(ctx, view.uid, pending, email, lang);
    },

    async code(ctx: Context, view: InteractionView, code: string) {
      const { conn, pending } = await waiting(view.uid);
      const proved = await d.linking.proveByCode(ctx, view.uid, conn, pending, code);
      return proved.kind === 'linked' ? conclude(ctx, view, conn, proved.user) : proved;
    },

    async signUp(ctx: Context, view: InteractionView, lang: Language) {
      const { conn, pending } = await waiting(view.uid);
      const done = await d.linking.signUp(ctx, view.uid, conn, pending, lang);
      return done.kind === 'created' ? conclude(ctx, view, conn, done.user) : done;
    },
  };
}
export type SocialSignIn = ReturnType<typeof createSocialSignIn>;
