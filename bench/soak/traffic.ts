/**
 * Soak traffic: loops of client-credentials token requests and of full password sign-ins (the pages a
 * browser without JavaScript walks, then the code at /token), bounded by a deadline and a count. Unlike the
 * benchmarks, nothing throws on a bad answer: every HTTP answer is recorded (status 0 = no answer: refused,
 * reset, timeout) with its time, so that a scenario can count statuses per phase; a loop pauses briefly
 * after a failure, as a client honouring Retry-After would, rather than spinning.
 */
import { createHash, randomBytes } from 'node:crypto';

export interface Answer {
  at: number;
  kind: 'token' | 'page';
  status: number;
  error?: string;
}
export interface SignInResult {
  at: number;
  ok: boolean;
  step: string;
  status: number;
  idToken?: string;
  error?: string;
}

export class Recorder {
  readonly answers: Answer[] = [];
  readonly signIns: SignInResult[] = [];
  tokens = 0;
  constructor(private readonly max = 200_000) {}
  answer(a: Answer) {
    if (this.answers.length < this.max) this.answers.push(a);
  }
  full() {
    return this.answers.length >= this.max;
  }
}

/** Counts answers by status ("0" for no answer), optionally within [from, to) (ms since the epoch). */
export function byStatus(answers: Answer[], from = -Infinity, to = Infinity) {
  const out: Record<string, number> = {};
  for (const a of answers) if (a.at >= from && a.at < to) out[a.status] = (out[a.status] ?? 0) + 1;
  return out;
}

const TIMEOUT_MS = 15_000;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function send(rec: Recorder, kind: Answer['kind'], url: URL, init: RequestInit) {
  try {
    const res = await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS) });
    const body = await res.text();
    rec.answer({ at: Date.now(), kind, status: res.status });
    return { status: res.status, body, headers: res.headers };
  } catch (e) {
    const error = String((e as { cause?: { code?: string } }).cause?.code ?? (e as Error).name);
    rec.answer({ at: Date.now(), kind, status: 0, error });
    return { status: 0, body: '', headers: new Headers(), error };
  }
}

export interface TokenClient {
  origin: string;
  clientId: string;
  clientSecret: string;
  resource: string;
  scope: string;
}
const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

export interface LoopOptions {
  until: () => boolean;
  concurrency: number;
  maxRequests?: number;
}

/** Client-credentials loops; `onToken` sees every access token issued (the rotation scenario verifies them). */
export async function tokenLoops(rec: Recorder, c: TokenClient, o: LoopOptions, onToken?: (jwt: string) => Promise<void>) {
  let started = 0;
  const body = new URLSearchParams({ grant_type: 'client_credentials', resource: c.resource, scope: c.scope }).toString();
  const headers = { authorization: basic(c.clientId, c.clientSecret), 'content-type': 'application/x-www-form-urlencoded' };
  await Promise.all(
    Array.from({ length: o.concurrency }, async () => {
      while (!o.until() && started < (o.maxRequests ?? Infinity) && !rec.full()) {
        started += 1;
        const r = await send(rec, 'token', new URL('/token', c.origin), { method: 'POST', headers, body });
        if (r.status === 200) {
          rec.tokens += 1;
          if (onToken) await onToken((JSON.parse(r.body) as { access_token: string }).access_token);
        } else {
          await pause(50);
        }
      }
    }),
  );
}

export interface Person {
  email: string;
  password: string;
}
export interface SignInClient {
  origin: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

/** One sign-in with a fresh cookie jar; returns where it stopped. */
export async function signIn(rec: Recorder, c: SignInClient, person: Person): Promise<SignInResult> {
  const cookies = new Map<string, string>();
  const origin = new URL(c.origin).origin;
  const request = async (url: URL, init: RequestInit = {}) => {
    const headers: Record<string, string> = { ...(init.headers as Record<string, string> | undefined) };
    if (cookies.size) headers.cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const r = await send(rec, 'page', url, { ...init, headers });
    for (const line of r.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) cookies.delete(pair.slice(0, eq).trim());
      else cookies.set(pair.slice(0, eq).trim(), value);
    }
    return { ...r, url };
  };
  /** Follows same-origin redirects; `away` is a redirect to another origin (the app). */
  const follow = async (url: URL, init: RequestInit = {}) => {
    let r = await request(url, init);
    for (let i = 0; i < 8 && r.status >= 300 && r.status < 400; i += 1) {
      const next = new URL(r.headers.get('location') ?? '', r.url);
      if (next.origin !== origin) return { ...r, away: next };
      r = await request(next);
    }
    return { ...r, away: undefined as URL | undefined };
  };
  const fail = (step: string, status: number, error?: string): SignInResult => ({ at: Date.now(), ok: false, step, status, error });

  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(12).toString('base64url');
  const auth = new URL('/auth', origin);
  auth.search = new URLSearchParams({
    client_id: c.clientId,
    response_type: 'code',
    scope: 'openid email',
    redirect_uri: c.redirectUri,
    state,
    nonce: randomBytes(12).toString('base64url'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();
  const page = await follow(auth);
  const uid = /^\/interaction\/([^/]+)$/.exec(page.url.pathname)?.[1];
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)?.[1];
  if (page.status !== 200 || !uid || !csrf) return fail('authorize', page.status, page.error);
  const form = (fields: Record<string, string>) => ({
    method: 'POST',
    body: new URLSearchParams({ ...fields, csrf }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  const pw = await follow(new URL(`/interaction/${uid}/identify`, origin), form({ email: person.email }));
  if (pw.status !== 200 || !pw.body.includes('name="password"')) return fail('identify', pw.status, pw.error);
  const back = await follow(new URL(`/interaction/${uid}/password`, origin), form({ password: person.password }));
  const code = back.away?.searchParams.get('code');
  if (!code || back.away?.searchParams.get('state') !== state) return fail('password', back.status, back.error);
  const token = await send(rec, 'token', new URL('/token', origin), {
    method: 'POST',
    headers: { authorization: basic(c.clientId, c.clientSecret), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: c.redirectUri, code_verifier: verifier }).toString(),
  });
  if (token.status !== 200) return fail('token', token.status, token.error);
  const idToken = (JSON.parse(token.body) as { id_token?: string }).id_token;
  if (!idToken) return fail('token', token.status, 'no id_token');
  return { at: Date.now(), ok: true, step: 'done', status: 200, idToken };
}

/** Sign-in loops over `people`; `onIdToken` sees every ID token issued. */
export async function signInLoops(
  rec: Recorder,
  c: SignInClient,
  people: Person[],
  o: LoopOptions,
  onIdToken?: (jwt: string) => Promise<void>,
) {
  let started = 0;
  await Promise.all(
    Array.from({ length: o.concurrency }, async () => {
      while (!o.until() && started < (o.maxRequests ?? Infinity) && !rec.full()) {
        const person = people[started % people.length];
        started += 1;
        const r = await signIn(rec, c, person);
        rec.signIns.push(r);
        if (r.ok && r.idToken && onIdToken) await onIdToken(r.idToken);
        if (!r.ok) await pause(100);
      }
    }),
  );
}

/** Sign-ins that failed, by step and status ("password 503": the password page answered 503). */
export function failedSignIns(results: SignInResult[], from = -Infinity, to = Infinity) {
  const out: Record<string, number> = {};
  for (const r of results) {
    if (r.ok || r.at < from || r.at >= to) continue;
    const key = `${r.step} ${r.status}${r.error ? ` ${r.error}` : ''}`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}
