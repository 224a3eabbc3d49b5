/**
 * The resume cookie: the original authorization requests of this browser's last few sign-ins, so
 * that one which expired (or whose interaction cookie was lost, or whose company IdP answered too
 * late) starts again by itself instead of ending on an error. Signed (the app keys), HttpOnly, one
 * day; no database statement. A request that cannot be replayed as is (a pushed `request_uri` is
 * single use) is not kept; neither is one too large for a cookie: then only the interaction row
 * itself, while it lives, can tell the app (recover.ts).
 */
import type { Context } from 'koa';

const COOKIE = 'wf_recover';
const KEEP = 3;
const MAX_ENTRY = 1200;
const RECENT_MS = 3600e3;

export interface ResumeEntry {
  /** Interaction uid. */
  u: string;
  /** The authorization request's parameters. */
  p: Record<string, string>;
  /** Its sign-in finished (Back after signing in must not replay a used state). */
  f?: 1;
  /** Written at (ms). */
  t: number;
}

/** Parameters an authorization request can be replayed with: strings only, no single-use request_uri. */
export function replayable(params: Record<string, unknown>): Record<string, string> | undefined {
  if (params.request_uri !== undefined) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) if (typeof v === 'string' && v !== '') out[k] = v;
  return out.client_id && out.redirect_uri ? out : undefined;
}

export function createResume(opts: { secure: boolean }) {
  const cookieOpts = { signed: true, httpOnly: true, sameSite: 'lax' as const, secure: opts.secure, overwrite: true, maxAge: 86400e3 };

  function read(ctx: Context): ResumeEntry[] {
    const raw = ctx.cookies.get(COOKIE, { signed: true });
    if (!raw) return [];
    try {
      const parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown;
      return Array.isArray(parsed)
        ? (parsed as ResumeEntry[]).filter((e) => typeof e?.u === 'string' && e.p && typeof e.p === 'object')
        : [];
    } catch {
      return [];
    }
  }
  function write(ctx: Context, entries: ResumeEntry[]) {
    ctx.cookies.set(COOKIE, Buffer.from(JSON.stringify(entries.slice(0, KEEP))).toString('base64url'), cookieOpts);
  }

  return {
    /** Keeps an interaction's request (once: a page view of the same interaction writes nothing). */
    remember(ctx: Context, uid: string, params: Record<string, unknown>) {
      const entries = read(ctx);
      if (entries.some((e) => e.u === uid)) return;
      const p = replayable(params);
      if (!p || JSON.stringify(p).length > MAX_ENTRY) return;
      write(ctx, [{ u: uid, p, t: Date.now() }, ...entries]);
    },
    /** Marks an interaction's sign-in finished. */
    finished(ctx: Context, uid: string) {
      const entries = read(ctx);
      const hit = entries.find((e) => e.u === uid);
      if (!hit || hit.f) return;
      hit.f = 1;
      write(ctx, entries);
    },
    /** The entry of `uid`, or (no uid: a company IdP's late answer) the most recent unfinished one. */
    find(ctx: Context, uid?: string): ResumeEntry | undefined {
      const entries = read(ctx);
      // Without a uid, only a recent one: an old request's state may be long gone at its app.
      return uid ? entries.find((e) => e.u === uid) : entries.find((e) => !e.f && Date.now() - e.t < RECENT_MS);
    },
  };
}
export type Resume = ReturnType<typeof createResume>;
