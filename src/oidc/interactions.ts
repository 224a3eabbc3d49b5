/**
 * The seam between our sign-in pages and oidc-provider's interactions: read what the app asked for,
 * and finish a step (login, consent, abort). A missing or expired interaction becomes a typed
 * `interaction_expired` error that the page layer explains.
 */
import type { Context } from 'koa';
import { AppError } from '../lib/errors.js';
import type { Oidc } from './provider.js';
import { journeyPrefetch, type JourneySink } from './journey-prefetch.js';

export interface InteractionView {
  uid: string;
  prompt: string;
  reasons: string[];
  details: Record<string, unknown>;
  params: Record<string, string | undefined>;
  sessionAccountId?: string;
  sessionAmr?: string[];
  sessionAcr?: string;
  /** When the session's person signed in (seconds since the epoch). */
  sessionLoginTs?: number;
  clientId: string;
  clientName: string;
  returnTo: string;
  /**
   * The sign-in journey's state, read with the interaction in the same statement
   * (journey-prefetch.ts): null when there is none; undefined when it was not read.
   */
  journey?: Record<string, unknown> | null;
}

export interface LoginResult {
  accountId: string;
  remember: boolean;
  amr: string[];
  acr: string;
}

/** Marks an interaction result whose login the policy gate allowed in this interaction (configuration.ts). */
export const GATED = 'gated';

const expired = () => new AppError('interaction_expired', 400, 'this sign-in has expired');

type Interaction = Awaited<ReturnType<Oidc['provider']['interactionDetails']>>;

export function createInteractions(oidc: Oidc) {
  /** The interaction a request read (details), for its login step to finish without reading it again. */
  const readBy = new WeakMap<object, Interaction>();

  async function details(ctx: Context): Promise<InteractionView> {
    let d;
    const journeys: JourneySink = new Map();
    try {
      d = await journeyPrefetch.run(journeys, () => oidc.provider.interactionDetails(ctx.req, ctx.res));
    } catch {
      throw expired();
    }
    if (ctx.params?.uid && d.uid !== ctx.params.uid) throw expired();
    readBy.set(ctx.req, d);
    const clientId = String(d.params.client_id ?? '');
    const client = clientId ? await oidc.provider.Client.find(clientId) : undefined;
    return {
      uid: d.uid,
      prompt: d.prompt.name,
      reasons: d.prompt.reasons,
      details: d.prompt.details as Record<string, unknown>,
      params: d.params as Record<string, string | undefined>,
      sessionAccountId: d.session?.accountId,
      sessionAmr: (d.session as { amr?: string[] } | undefined)?.amr,
      sessionAcr: (d.session as { acr?: string } | undefined)?.acr,
      sessionLoginTs: (d.session as { loginTs?: number } | undefined)?.loginTs,
      clientId,
      clientName: client?.clientName ?? clientId,
      returnTo: d.returnTo,
      ...(journeys.has(d.uid) ? { journey: journeys.get(d.uid) } : {}),
    };
  }

  /**
   * The login result on the interaction this request read moments ago (what oidc-provider's
   * interactionResult does after reading it again): merged with the last submission, saved for the
   * rest of its lifetime; an interaction that expired meanwhile is expired. Issue 18: one statement less.
   */
  async function finishRead(ctx: Context, interaction: Interaction, result: Record<string, unknown>) {
    const ttl = interaction.exp - Math.floor(Date.now() / 1000);
    if (ttl <= 0) throw expired();
    interaction.result = { ...interaction.lastSubmission, ...result };
    await interaction.save(ttl);
    ctx.status = 303;
    ctx.redirect(interaction.returnTo);
  }

  async function finish(ctx: Context, result: Record<string, unknown>) {
    try {
      const to = await oidc.provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: true });
      ctx.status = 303;
      ctx.redirect(to);
    } catch {
      throw expired();
    }
  }

  return {
    details,
    /**
     * The authorization request of an interaction that still exists, read by its uid alone (its
     * cookie may be lost, or belong to another browser or session): for starting it again.
     */
    async requestOf(uid: string): Promise<Record<string, unknown> | undefined> {
      if (!/^[A-Za-z0-9_-]{1,64}$/.test(uid)) return undefined;
      const interaction = await oidc.provider.Interaction.find(uid).catch(() => undefined);
      return interaction && !interaction.result ? (interaction.params as Record<string, unknown>) : undefined;
    },
    finishLogin: async (ctx: Context, login: LoginResult) => {
      // `gated`: this login comes from the policy gate that has just allowed it (login/journey.ts, the
      // only caller); the resume right after need not ask again whether the session meets the policy.
      const read = readBy.get(ctx.req);
      const result = { login, [GATED]: true };
      if (read && read.uid === ctx.params?.uid) await finishRead(ctx, read, result);
      else await finish(ctx, result);
      // The resume cookie marks it (src/routing/recover.ts): Back after this must not replay its request.
      ctx.state.signInFinished = ctx.params?.uid;
    },
    /** Grants what the consent prompt asked for and finishes the step. */
    async finishConsent(ctx: Context, view: InteractionView) {
      const accountId = view.sessionAccountId;
      if (!accountId) throw expired();
      const interaction = await oidc.provider.Interaction.find(view.uid);
      if (!interaction) throw expired();
      const grant = interaction.grantId
        ? (await oidc.provider.Grant.find(interaction.grantId))!
        : new oidc.provider.Grant({ accountId, clientId: view.clientId });
      const d = view.details as {
        missingOIDCScope?: string[];
        missingOIDCClaims?: string[];
        missingResourceScopes?: Record<string, string[]>;
      };
      if (d.missingOIDCScope) grant.addOIDCScope(d.missingOIDCScope.join(' '));
      if (d.missingOIDCClaims) grant.addOIDCClaims(d.missingOIDCClaims);
      for (const [indicator, scopes] of Object.entries(d.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
      const grantId = await grant.save();
      await finish(ctx, { consent: { grantId } });
    },
    abort: (ctx: Context, error: string, description: string) => finish(ctx, { error, error_description: description }),
  };
}
export type Interactions = ReturnType<typeof createInteractions>;
