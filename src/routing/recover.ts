/**
 * Recovery instead of dead ends: a sign-in step that can no longer go on (its interaction expired,
 * its cookie is lost or belongs to another session, its uid is unknown or used, an upstream answered
 * after its state expired) is sent where decide() says — the original authorization request again,
 * one "took too long" step, the app's own start, or the lost page. Never an error page.
 */
import type { Context, Next as KoaNext } from 'koa';
import { AppError } from '../lib/errors.js';
import { decide, type LostFlowState } from './decide.js';
import { go } from './respond.js';
import { replayable, type Resume } from './resume.js';

export interface RecoveryDeps {
  resume: Resume;
  /** The request of an interaction that still exists, by uid (its cookie may be gone). */
  requestOf: (uid: string) => Promise<Record<string, unknown> | undefined>;
  signedIn: (ctx: Context) => Promise<boolean>;
  /** The app's own start of a sign-in (its launch URL), when it registered one. */
  launchUrlOf: (clientId: string) => Promise<string | undefined>;
}

/** Errors that mean "this step's flow is gone" (not "the input was wrong"). */
const LOST_CODES = new Set(['interaction_expired', 'invalid_state']);

const uidIn = (path: string) => /^\/(?:interaction|auth)\/([A-Za-z0-9_-]{1,64})(?:\/|$)/.exec(path)?.[1];

export function createRecovery(d: RecoveryDeps) {
  async function recover(ctx: Context, uid: string | undefined, opts: { upstream?: boolean } = {}) {
    const entry = d.resume.find(ctx, uid);
    let request: LostFlowState['request'];
    if (entry) request = { params: entry.p, finished: !!entry.f, clientId: entry.p.client_id };
    else if (uid) {
      const found = await d.requestOf(uid);
      const params = found && replayable(found);
      if (params) request = { params, finished: false, clientId: params.client_id };
    }
    // A late upstream answer for this browser's own interaction, still alive: only that step is lost.
    const live = opts.upstream && uid && entry && !entry.f && (await d.requestOf(uid)) ? uid : undefined;
    const next = decide({
      at: 'lost-flow',
      liveInteraction: live,
      method: ctx.method,
      signedIn: await d.signedIn(ctx),
      request,
      launchUrl: request?.finished ? await d.launchUrlOf(request.clientId) : undefined,
    });
    ctx.state.log?.info({ uid, next: next.kind, known: !!request }, 'sign-in flow recovered');
    go(ctx, next);
  }

  return {
    recover,
    /**
     * App-level: turns a lost flow thrown by any page below into recovery, and lends oidc-provider's
     * error page the same (`ctx.state.recoverFlow`, for its resume step).
     */
    async middleware(ctx: Context, next: KoaNext) {
      ctx.state.recoverFlow = (uid?: string, opts?: { upstream?: boolean }) => recover(ctx, uid ?? uidIn(ctx.path), opts);
      try {
        await next();
        if (typeof ctx.state.signInFinished === 'string') d.resume.finished(ctx, ctx.state.signInFinished);
      } catch (err) {
        if (!(err instanceof AppError) || !LOST_CODES.has(err.code) || ctx.path.startsWith('/api/')) throw err;
        await recover(ctx, uidIn(ctx.path));
      }
    },
  };
}
export type Recovery = ReturnType<typeof createRecovery>;
