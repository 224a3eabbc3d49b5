/**
 * Benchmark: full password sign-ins per second, against the raw argon2id verify rate of this machine.
 *
 * Wayfinder runs as a child process in production mode on a fresh Postgres database (bench/lib), with N
 * bootstrapped people and a confidential first-party client (no consent page). Each sign-in is what a
 * browser without JavaScript and the app's back end do, every request checked:
 *   GET /auth (PKCE S256, state, nonce) → 303 → GET /interaction/:uid (email page, CSRF value)
 *   → POST …/identify → 303 → GET /interaction/:uid (password page) → POST …/password → 303 → GET /auth/:uid
 *   → 303 to the redirect URI with code, state and iss (read from Location, never contacted)
 *   → POST /token (client_secret_basic, code_verifier) → 200 with an ID token (signature, iss, aud, nonce,
 *     sub one per person, amr checked).
 * BENCH_CONCURRENCY loops run sign-ins back to back, bounded in time and count; every sign-in starts with
 * an empty cookie jar (a new browser: a kept session would skip the password). Requests use Node's fetch
 * (undici), whose global agent keeps connections alive.
 *
 * The raw rate: argon2.verify of a hash made with the server's own parameters (read with the server's
 * config loader, same environment), with the same number of verifies in flight, in a separate child
 * process (this file with BENCH_ROLE=argon2). A child rather than this process: it is then a fresh
 * Node process exactly like the server (same default libuv pool of 4 threads, nothing else on its
 * event loop or heap), and nothing of the load generator (its heap, its sockets, timers of loops that
 * are winding down) runs beside it. It runs just before and just after the sign-in run, with the server
 * idle; the mean of the two is the reference, and both are reported (their gap says how much the
 * machine's load moved meanwhile). In both processes at most 4 verifies actually run at once: the
 * libuv pool has 4 threads, and the server's hashConcurrency (4 by default) queues the rest.
 *
 * Prints sign-ins/s, verifies/s and their ratio (target ≥ 0.8), and, to say where the time goes: CPU
 * time per sign-in of the server (all threads, and its main thread), of its Postgres backends and of
 * this load generator against the CPU time of one verify (the "CPU ratio", much less sensitive to
 * other work on a shared machine than the rates); database transactions and table accesses per
 * sign-in (Postgres statistics); and a step diagnostic (sign-ins one at a time, the server's CPU read
 * around each step). Writes bench/reports/password-login.json. Any failed sign-in fails the benchmark
 * (after the report). Everything runs on loopback, and everything started is stopped on success,
 * failure and signals.
 *
 * Knobs (environment): BENCH_SECONDS (30), BENCH_MAX_SIGNINS (5000), BENCH_WARMUP_SECONDS (5),
 * BENCH_CONCURRENCY (8), BENCH_USERS (50), BENCH_ARGON2_SECONDS (10), BENCH_ARGON2_MAX (2000),
 * BENCH_MAX_FAILURES (25: the loops stop early past it), BENCH_STEP_SAMPLES (40; 0: no step
 * diagnostic), BENCH_CPU_PROF=1 (CPU profile of the server
 * into bench/reports/profiles/wayfinder-login/, written at shutdown; figures are then lower),
 * DATABASE_URL (else a throwaway local database), BENCH_REPORT (report path, default
 * bench/reports/password-login.json).
 */
import argon2 from 'argon2';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { startNode as startNodeFn } from './lib/processes.js';

type StartNode = typeof startNodeFn;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
function percentile(xs: number[], p: number) {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

/** "argon2id m=… p=… t=…" from a PHC string (the library's own order of the parameters aside). */
const phcParams = (hash: string | undefined) => {
  const [, type, , list] = (hash ?? '').split('$');
  return `${type} ${(list ?? '').split(',').sort().join(' ')}`;
};

const ticksPerSecond = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString()) || 100;
  } catch {
    return 100;
  }
})();
/** CPU time (user + system) of one thread of a process so far, in ms: the main thread is the one whose id is the pid. */
function threadCpuMs(pid: number, tid = pid) {
  const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
}

type Argon2Params = { memoryCost: number; timeCost: number; parallelism: number };
const EXPECTED_ARGON2: Argon2Params = { memoryCost: 19456, timeCost: 2, parallelism: 1 };

// ---------------------------------------------------------------------------------------------------
// The argon2 child (BENCH_ROLE=argon2): verifies for a bounded time, prints one JSON line, exits.
// ---------------------------------------------------------------------------------------------------

interface Argon2Result {
  verifies: number;
  seconds: number;
  perSecond: number;
  cpuMsPerVerify: number;
  concurrency: number;
  hashParams: string;
  threadpool: string;
}

async function argon2Child() {
  const params = JSON.parse(process.env.BENCH_ARGON2_PARAMS!) as Argon2Params;
  const concurrency = Number(process.env.BENCH_ARGON2_CONCURRENCY);
  const seconds = Number(process.env.BENCH_ARGON2_SECONDS);
  const max = Number(process.env.BENCH_ARGON2_MAX);
  const options = { type: argon2.argon2id as 2, ...params };
  const password = randomBytes(12).toString('base64url');
  const hash = await argon2.hash(password, options);
  // Warm-up: the native module's first calls, the pool's threads.
  await Promise.all(Array.from({ length: concurrency }, () => argon2.verify(hash, password)));
  let done = 0;
  let started = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline && started < max) {
        started += 1;
        if (!(await argon2.verify(hash, password))) throw new Error('argon2.verify answered false for the right password');
        done += 1;
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const result: Argon2Result = {
    verifies: done,
    seconds: round(elapsed, 3),
    perSecond: done / elapsed,
    cpuMsPerVerify: (cpu.user + cpu.system) / 1000 / done,
    concurrency,
    hashParams: phcParams(hash),
    threadpool: process.env.UV_THREADPOOL_SIZE ?? '4 (default)',
  };
  process.stdout.write(`ARGON2_RESULT ${JSON.stringify(result)}\n`);
}

// ---------------------------------------------------------------------------------------------------
// The benchmark.
// ---------------------------------------------------------------------------------------------------

const settings = {
  seconds: num('BENCH_SECONDS', 30),
  maxSignIns: num('BENCH_MAX_SIGNINS', 5000),
  warmupSeconds: num('BENCH_WARMUP_SECONDS', 5),
  concurrency: num('BENCH_CONCURRENCY', 8),
  users: num('BENCH_USERS', 50),
  argon2Seconds: num('BENCH_ARGON2_SECONDS', 10),
  argon2Max: num('BENCH_ARGON2_MAX', 2000),
  maxFailures: num('BENCH_MAX_FAILURES', 25),
  stepSamples: num('BENCH_STEP_SAMPLES', 40),
};
const cpuProf = process.env.BENCH_CPU_PROF === '1';
const reportPath = path.resolve(root, process.env.BENCH_REPORT ?? 'bench/reports/password-login.json');
const CLIENT_ID = 'bench-login';
const CLIENT_SECRET = randomBytes(24).toString('base64url');
// Loopback, port 9 (discard): never contacted, the benchmark reads the Location header.
const REDIRECT_URI = 'http://127.0.0.1:9/cb';
const SCOPE = 'openid email';
const TARGET_RATIO = 0.8;
const REQUEST_TIMEOUT_MS = 30_000;
/** For reference: Keycloak's published sizing, password sign-ins per second per vCPU. */
const KEYCLOAK_PER_VCPU = 15;

interface Person {
  email: string;
  password: string;
}

function bootstrapYaml(people: Person[]) {
  return [
    'users:',
    ...people.flatMap((p, i) => [`  - email: ${p.email}`, `    password: ${p.password}`, `    name: Bench Person ${i + 1}`]),
    'clients:',
    `  - client_id: ${CLIENT_ID}`,
    `    client_secret: ${CLIENT_SECRET}`,
    '    client_name: Bench app',
    `    redirect_uris: [${REDIRECT_URI}]`,
    '    grant_types: [authorization_code]',
    '    token_endpoint_auth_method: client_secret_basic',
    '    first_party: true',
    '',
  ].join('\n');
}

/** One browser: a cookie jar (names only; paths and expiry beyond deletion are not needed here). */
class Browser {
  private cookies = new Map<string, string>();
  constructor(private readonly origin: string) {}

  async send(url: string, init: RequestInit = {}) {
    const target = new URL(url, this.origin);
    const headers: Record<string, string> = { ...(init.headers as Record<string, string> | undefined) };
    if (target.origin === this.origin && this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(target, { ...init, headers, redirect: 'manual', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || attrs.some((a) => /expires=Thu, 01 Jan 1970/i.test(a))) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const body = await res.text();
    return { status: res.status, location: res.headers.get('location'), body, url: target.toString() };
  }

  /** Follows same-origin redirects; returns the last page, or the Location of a redirect to another origin. */
  async follow(url: string, init: RequestInit = {}) {
    let r = await this.send(url, init);
    for (let i = 0; i < 10; i += 1) {
      if (r.status < 300 || r.status >= 400 || !r.location) return { page: r };
      const next = new URL(r.location, r.url);
      if (next.origin !== this.origin) return { page: r, away: next };
      r = await this.send(next.toString());
    }
    throw new Error(`too many redirects from ${url}`);
  }
}

const csrfOf = (body: string) => /name="csrf" value="([^"]+)"/.exec(body)?.[1];
function describe(p: { status: number; url: string; body: string }) {
  const title = /<h1[^>]*>([^<]*)<\/h1>/.exec(p.body)?.[1]?.trim();
  // Without the interaction's id, so that the same failure is counted under one message.
  const where = new URL(p.url).pathname.replace(/^\/(interaction|auth)\/[^/]+/, '/$1/:uid');
  return `${p.status} at ${where}${title ? ` ("${title}")` : ''}`;
}

const STEPS = ['authorize', 'identify', 'password', 'token'] as const;
type Step = (typeof STEPS)[number];

interface SignInContext {
  origin: string;
  verifyIdToken: (jwt: string) => Promise<Record<string, unknown>>;
  /** email → sub, and sub → email, as seen in ID tokens. */
  subs: Map<string, string>;
  owners: Map<string, string>;
  /** Called at the end of each step (the step diagnostic reads the server's CPU there). */
  onLap?: (step: Step) => void;
}

/** One full sign-in; returns the time spent in each step (ms). Throws on anything unexpected. */
async function signIn(c: SignInContext, person: Person): Promise<Record<Step, number>> {
  const b = new Browser(c.origin);
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(16).toString('base64url');
  const nonce = randomBytes(16).toString('base64url');
  const times = {} as Record<Step, number>;
  let t = performance.now();
  const lap = (step: Step) => {
    const now = performance.now();
    times[step] = now - t;
    t = now;
    c.onLap?.(step);
  };

  const auth = new URL('/auth', c.origin);
  auth.search = new URLSearchParams({
    client_id: CLIENT_ID,
    response_type: 'code',
    scope: SCOPE,
    redirect_uri: REDIRECT_URI,
    state,
    nonce,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();
  const email = await b.follow(auth.toString());
  const uid = /^\/interaction\/([^/]+)$/.exec(new URL(email.page.url).pathname)?.[1];
  if (email.away || email.page.status !== 200 || !uid || !email.page.body.includes('name="email"')) {
    throw new Error(`authorize: expected the email page, got ${email.away ? `a redirect to ${email.away}` : describe(email.page)}`);
  }
  const csrf = csrfOf(email.page.body);
  if (!csrf) throw new Error('authorize: no CSRF value on the email page');
  lap('authorize');

  const form = (fields: Record<string, string>) => ({
    method: 'POST',
    body: new URLSearchParams({ ...fields, csrf }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  const pwPage = await b.follow(`/interaction/${uid}/identify`, form({ email: person.email }));
  if (pwPage.away || pwPage.page.status !== 200 || !pwPage.page.body.includes('name="password"')) {
    throw new Error(`identify: expected the password page, got ${pwPage.away ? `a redirect to ${pwPage.away}` : describe(pwPage.page)}`);
  }
  lap('identify');

  const back = await b.follow(`/interaction/${uid}/password`, form({ password: person.password }));
  if (!back.away || `${back.away.origin}${back.away.pathname}` !== REDIRECT_URI) {
    throw new Error(`password: expected a redirect to the app, got ${back.away ? `a redirect to ${back.away}` : describe(back.page)}`);
  }
  const q = back.away.searchParams;
  if (q.get('error')) throw new Error(`password: the app got error=${q.get('error')} (${q.get('error_description')})`);
  if (q.get('state') !== state) throw new Error('password: the state came back changed');
  if (q.get('iss') !== c.origin) throw new Error(`password: iss ${q.get('iss')} in the redirect`);
  const code = q.get('code');
  if (!code) throw new Error('password: no code in the redirect');
  lap('password');

  const res = await fetch(new URL('/token', c.origin), {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(CLIENT_ID)}:${encodeURIComponent(CLIENT_SECRET)}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier }).toString(),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`token: ${res.status} ${text.slice(0, 200)}`);
  const tokens = JSON.parse(text) as { id_token?: string; access_token?: string; token_type?: string };
  if (!tokens.id_token || !tokens.access_token) throw new Error(`token: no id_token or access_token in ${text.slice(0, 200)}`);
  const claims = await c.verifyIdToken(tokens.id_token);
  if (claims.nonce !== nonce) throw new Error('token: the ID token carries another nonce');
  if (typeof claims.sub !== 'string' || !claims.sub) throw new Error('token: the ID token has no sub');
  if (!Array.isArray(claims.amr) || !claims.amr.includes('pwd')) throw new Error(`token: amr ${JSON.stringify(claims.amr)}`);
  // The person is the one who typed the password: one sub per email address, and never shared.
  const known = c.subs.get(person.email);
  if (known && known !== claims.sub) throw new Error(`token: sub changed for ${person.email}`);
  if (!known) {
    if (c.owners.has(claims.sub) && c.owners.get(claims.sub) !== person.email)
      throw new Error(`token: ${person.email} got the sub of ${c.owners.get(claims.sub)}`);
    c.subs.set(person.email, claims.sub);
    c.owners.set(claims.sub, person.email);
  }
  lap('token');
  return times;
}

interface LoadOutcome {
  signIns: number;
  seconds: number;
  failures: number;
  errors: Record<string, number>;
  latencies: number[];
  steps: Record<Step, number[]>;
}

/** `concurrency` loops of back-to-back sign-ins, until the time or count bound (or too many failures). */
async function signInLoad(
  c: SignInContext,
  people: Person[],
  opts: { seconds: number; max: number; concurrency: number; maxFailures: number },
): Promise<LoadOutcome> {
  const out: LoadOutcome = {
    signIns: 0,
    seconds: 0,
    failures: 0,
    errors: {},
    latencies: [],
    steps: { authorize: [], identify: [], password: [], token: [] },
  };
  let started = 0;
  const t0 = performance.now();
  const deadline = t0 + opts.seconds * 1000;
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      while (performance.now() < deadline && started < opts.max && out.failures < opts.maxFailures) {
        const person = people[started % people.length];
        started += 1;
        const s = performance.now();
        try {
          const times = await signIn(c, person);
          out.latencies.push(performance.now() - s);
          for (const step of STEPS) out.steps[step].push(times[step]);
          out.signIns += 1;
        } catch (e) {
          out.failures += 1;
          const key = (e as Error).message.slice(0, 300);
          out.errors[key] = (out.errors[key] ?? 0) + 1;
        }
      }
    }),
  );
  out.seconds = (performance.now() - t0) / 1000;
  return out;
}

/** The raw verify rate, in a child process (see the header). */
async function rawArgon2(label: string, params: Argon2Params, startNode: StartNode, base: NodeJS.ProcessEnv): Promise<Argon2Result> {
  const child = startNode(`argon2 ${label}`, 'bench/password-login.ts', {
    ...base,
    BENCH_ROLE: 'argon2',
    BENCH_ARGON2_PARAMS: JSON.stringify(params),
    BENCH_ARGON2_CONCURRENCY: String(settings.concurrency),
    BENCH_ARGON2_SECONDS: String(settings.argon2Seconds),
    BENCH_ARGON2_MAX: String(settings.argon2Max),
  });
  const limitMs = (settings.argon2Seconds + 60) * 1000;
  const closed = await Promise.race([
    new Promise<boolean>((resolve) => child.proc.once('close', () => resolve(true))),
    sleep(limitMs).then(() => false),
  ]);
  if (!closed) {
    await child.stop();
    throw new Error(`argon2 ${label}: no answer within ${limitMs / 1000}s:\n${child.tail()}`);
  }
  await child.stop();
  const line = child
    .tail()
    .split('\n')
    .find((l) => l.startsWith('ARGON2_RESULT '));
  if (child.proc.exitCode !== 0 || !line)
    throw new Error(`argon2 ${label} failed (${child.proc.exitCode ?? child.proc.signalCode}):\n${child.tail()}`);
  return JSON.parse(line.slice('ARGON2_RESULT '.length)) as Argon2Result;
}

async function main(cleanups: Array<() => Promise<void> | void>) {
  const [{ benchDatabase }, { buildWayfinder, cpuMs, freePort, startNode, waitReady }, { loadConfig }, jose, pg] = await Promise.all([
    import('./lib/database.js'),
    import('./lib/processes.js'),
    import('../src/config/load.js'),
    import('jose'),
    import('pg'),
  ]);
  const cpus = os.cpus().length;
  const loadAtStart = os.loadavg().map((x) => round(x, 2));
  const busy = loadAtStart[0] > cpus / 2;
  if (busy)
    console.warn(
      `WARNING load average is ${loadAtStart.join(' / ')} on ${cpus} cores before the start: other work shares the machine, figures will be noisy`,
    );

  const tmp = mkdtempSync(path.join(os.tmpdir(), 'wayfinder-bench-login-'));
  cleanups.push(() => rmSync(tmp, { recursive: true, force: true }));
  const db = await benchDatabase();
  cleanups.push(() => db.drop());
  const people: Person[] = Array.from({ length: settings.users }, (_, i) => ({
    email: `person${String(i + 1).padStart(3, '0')}@bench.test`,
    password: `${randomBytes(12).toString('base64url')}-${i}`,
  }));
  const bootstrap = path.join(tmp, 'bootstrap.yaml');
  writeFileSync(bootstrap, bootstrapYaml(people), { mode: 0o600 });

  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const base = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production' };
  const serverEnv = {
    ...base,
    PORT: String(port),
    HOST: '127.0.0.1',
    ISSUER: origin,
    DATABASE_URL: db.url,
    COOKIE_KEYS: randomBytes(32).toString('base64url'),
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'warn',
    DEMO: 'false',
    IDP_BOOTSTRAP: bootstrap,
  };
  // The server's own parameters, read the way it reads them (same files, same environment).
  const config = loadConfig({ env: serverEnv, warn: () => {} });
  const params: Argon2Params = { ...config.password.argon2 };
  const hashConcurrency = config.password.hashConcurrency;
  if (JSON.stringify(params) !== JSON.stringify(EXPECTED_ARGON2)) {
    console.warn(
      `WARNING the server's argon2 parameters are ${JSON.stringify(params)}, not the defaults ${JSON.stringify(EXPECTED_ARGON2)}`,
    );
  }

  const profDir = path.join(root, 'bench/reports/profiles/wayfinder-login');
  const server = startNode('wayfinder', buildWayfinder(), serverEnv, cpuProf ? ['--cpu-prof', '--cpu-prof-dir', profDir] : []);
  const startedAt = performance.now();
  await waitReady(server, `${origin}/readyz`, 300_000);
  console.log(`Wayfinder ready in ${round((performance.now() - startedAt) / 1000)}s (${settings.users} people bootstrapped)`);

  // The stored hashes are made with the parameters the raw measure uses.
  const sql = new pg.default.Client({ connectionString: db.url });
  await sql.connect();
  cleanups.push(() => sql.end());
  let ownStatements = 0;
  const query = <R extends Record<string, unknown>>(text: string) => {
    ownStatements += 1;
    return sql.query<R>(text);
  };
  const stored = (await query<{ hash: string }>('select hash from password_credentials limit 1')).rows[0]?.hash;
  const storedParams = phcParams(stored);
  const expectedParams = `argon2id m=${params.memoryCost} p=${params.parallelism} t=${params.timeCost}`;
  if (storedParams !== expectedParams) throw new Error(`the stored password hashes are ${storedParams}, expected ${expectedParams}`);
  /**
   * CPU time of the Postgres backends serving the benchmark database, sampled every second during the
   * run (the server's pool opens and closes connections): Σ (last seen − first seen), a backend first
   * seen after the first sample counting from 0. Local server only (/proc), else NaN.
   */
  function postgresCpu() {
    const first = new Map<number, number>();
    const last = new Map<number, number>();
    let samples = 0;
    let readable = true;
    const sample = async () => {
      const { rows } = await query<{ pid: number }>(
        'select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
      );
      for (const { pid } of rows) {
        let ms: number;
        try {
          ms = cpuMs(pid);
        } catch {
          readable = false;
          continue;
        }
        if (!first.has(pid)) first.set(pid, samples === 0 ? ms : 0);
        last.set(pid, ms);
      }
      samples += 1;
    };
    let pending = sample();
    const timer = setInterval(() => {
      pending = pending.then(sample, sample);
    }, 1000);
    return {
      async stop() {
        clearInterval(timer);
        await pending.catch(() => {});
        await sample();
        return readable ? [...last].reduce((sum, [pid, ms]) => sum + ms - first.get(pid)!, 0) : NaN;
      },
    };
  }

  /**
   * Database work, from Postgres's statistics for the benchmark database: transactions (each statement
   * outside a transaction is one; ours are subtracted) and, per table, scans and rows written. Postgres
   * publishes a backend's counts within ~10 s of it going idle, so the second snapshot is taken after
   * the raw measure that follows the run.
   */
  async function dbStats() {
    const own = ownStatements;
    const [d] = (
      await query<{ x: string }>('select xact_commit + xact_rollback as x from pg_stat_database where datname = current_database()')
    ).rows;
    const t = (
      await query<{ relname: string; scans: string; ins: string; upd: string; del: string }>(
        'select relname, coalesce(seq_scan, 0) + coalesce(idx_scan, 0) as scans, n_tup_ins as ins, n_tup_upd as upd, n_tup_del as del from pg_stat_user_tables',
      )
    ).rows;
    return {
      xacts: Number(d.x),
      own,
      tables: new Map(t.map((r) => [r.relname, [Number(r.scans), Number(r.ins), Number(r.upd), Number(r.del)]])),
    };
  }
  function dbPerSignIn(a: Awaited<ReturnType<typeof dbStats>>, b: Awaited<ReturnType<typeof dbStats>>, n: number) {
    const tables: Record<string, { scans: number; inserted: number; updated: number; deleted: number }> = {};
    for (const [name, after] of b.tables) {
      const before = a.tables.get(name) ?? [0, 0, 0, 0];
      const [scans, inserted, updated, deleted] = after.map((v, i) => round((v - before[i]) / n, 2));
      if (scans || inserted || updated || deleted) tables[name] = { scans, inserted, updated, deleted };
    }
    const sorted = Object.fromEntries(
      Object.entries(tables).sort(
        ([, x], [, y]) => y.scans + y.inserted + y.updated + y.deleted - (x.scans + x.inserted + x.updated + x.deleted),
      ),
    );
    return { transactions: round((b.xacts - a.xacts - (b.own - a.own)) / n, 1), tables: sorted };
  }

  const discovery = (await (await fetch(`${origin}/.well-known/openid-configuration`)).json()) as { issuer: string; jwks_uri: string };
  if (discovery.issuer !== origin) throw new Error(`discovery: issuer ${discovery.issuer}`);
  const jwks = jose.createLocalJWKSet(
    (await (await fetch(discovery.jwks_uri)).json()) as { keys: Array<Record<string, unknown>> } as never,
  );
  const ctx: SignInContext = {
    origin,
    subs: new Map(),
    owners: new Map(),
    verifyIdToken: async (jwt) =>
      (await jose.jwtVerify(jwt, jwks, { issuer: origin, audience: CLIENT_ID })).payload as Record<string, unknown>,
  };

  // One checked sign-in first: a broken flow fails here with its own message.
  const sample = await signIn(ctx, people[0]);
  console.log(`sample sign-in OK (${STEPS.map((s) => `${s} ${round(sample[s])} ms`).join(', ')})`);

  const alive = () => {
    if (server.proc.exitCode !== null || server.proc.signalCode !== null)
      throw new Error(`Wayfinder has stopped (${server.proc.exitCode ?? server.proc.signalCode}):\n${server.tail()}`);
  };
  const warm = await signInLoad(ctx, people, {
    seconds: settings.warmupSeconds,
    max: settings.maxSignIns,
    concurrency: settings.concurrency,
    maxFailures: settings.maxFailures,
  });
  console.log(`warm-up: ${warm.signIns} sign-ins in ${round(warm.seconds)}s, ${warm.failures} failures`);
  alive();

  console.log(`raw argon2id verify (child process, ${settings.concurrency} in flight, ${settings.argon2Seconds}s), before…`);
  const before = await rawArgon2('before', params, startNode, base);
  console.log(
    `  before: ${round(before.perSecond)} verifies/s (${before.verifies} in ${before.seconds}s, ${round(before.cpuMsPerVerify)} CPU ms each, ${before.hashParams})`,
  );

  console.log(`sign-ins: ${settings.concurrency} loops, ${settings.seconds}s or ${settings.maxSignIns} sign-ins…`);
  const loadMid = os.loadavg().map((x) => round(x, 2));
  const serverCpu0 = cpuMs(server.pid);
  const serverMain0 = threadCpuMs(server.pid);
  const db0 = await dbStats();
  const pgSampler = postgresCpu();
  const selfCpu0 = process.cpuUsage();
  const run = await signInLoad(ctx, people, {
    seconds: settings.seconds,
    max: settings.maxSignIns,
    concurrency: settings.concurrency,
    maxFailures: settings.maxFailures,
  });
  const selfCpu = process.cpuUsage(selfCpu0);
  const serverCpuMs = cpuMs(server.pid) - serverCpu0;
  const serverMainMs = threadCpuMs(server.pid) - serverMain0;
  const pgCpuMs = await pgSampler.stop();
  alive();
  const loadAfterRun = os.loadavg().map((x) => round(x, 2));

  console.log('raw argon2id verify, after…');
  const after = await rawArgon2('after', params, startNode, base);
  for (const r of [before, after])
    if (r.hashParams !== storedParams) throw new Error(`the raw measure hashed with ${r.hashParams}, the server with ${storedParams}`);
  console.log(
    `  after:  ${round(after.perSecond)} verifies/s (${after.verifies} in ${after.seconds}s, ${round(after.cpuMsPerVerify)} CPU ms each)`,
  );
  const db1 = await dbStats();
  const database = dbPerSignIn(db0, db1, run.signIns);

  // Step diagnostic: sequential sign-ins, the server's CPU (all threads, and its main thread) read around
  // each step. /proc counts in clock ticks (10 ms), so only the sum over many sign-ins means something.
  const stepCpu = Object.fromEntries(STEPS.map((st) => [st, { server: 0, mainThread: 0, postgres: 0 }])) as Record<
    Step,
    { server: number; mainThread: number; postgres: number }
  >;
  // Postgres per step: the CPU of the server's backends (listed before each sign-in) read at each lap.
  let backends: number[] = [];
  const backendCpu = () =>
    backends.reduce((sum, pid) => {
      try {
        return sum + cpuMs(pid);
      } catch {
        return sum;
      }
    }, 0);
  let stepRuns = 0;
  const diagErrors: Record<string, number> = {};
  if (settings.stepSamples > 0) {
    console.log(`step diagnostic: ${settings.stepSamples} sign-ins one at a time…`);
    const read = () => ({ server: cpuMs(server.pid), main: threadCpuMs(server.pid), pg: backendCpu() });
    let last = read();
    const diag: SignInContext = {
      ...ctx,
      onLap: (st) => {
        const now = read();
        stepCpu[st].server += now.server - last.server;
        stepCpu[st].mainThread += now.main - last.main;
        stepCpu[st].postgres += now.pg - last.pg;
        last = now;
      },
    };
    for (let i = 0; i < settings.stepSamples; i += 1) {
      backends = (
        await query<{ pid: number }>('select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()')
      ).rows.map((r) => r.pid);
      last = read();
      try {
        await signIn(diag, people[i % people.length]);
        stepRuns += 1;
      } catch (e) {
        const key = `step diagnostic: ${(e as Error).message.slice(0, 280)}`;
        diagErrors[key] = (diagErrors[key] ?? 0) + 1;
      }
    }
    for (const st of STEPS)
      stepCpu[st] = {
        server: round(stepCpu[st].server / Math.max(1, stepRuns), 1),
        mainThread: round(stepCpu[st].mainThread / Math.max(1, stepRuns), 1),
        postgres: round(stepCpu[st].postgres / Math.max(1, stepRuns), 1),
      };
    alive();
  }

  const signInsPerSecond = run.signIns / run.seconds;
  const verifiesPerSecond = mean([before.perSecond, after.perSecond]);
  const ratio = signInsPerSecond / verifiesPerSecond;
  const per = (ms: number) => (run.signIns ? round(ms / run.signIns, 2) : NaN);
  const argonCpu = mean([before.cpuMsPerVerify, after.cpuMsPerVerify]);
  const cpu = {
    serverMsPerSignIn: per(serverCpuMs),
    serverMainThreadMsPerSignIn: per(serverMainMs),
    postgresMsPerSignIn: per(pgCpuMs),
    loadGeneratorMsPerSignIn: per((selfCpu.user + selfCpu.system) / 1000),
    argon2MsPerVerify: round(argonCpu, 2),
  };
  // Load-independent view: the CPU a sign-in costs everywhere on this machine against one verify.
  const cpuTotal =
    cpu.serverMsPerSignIn + (Number.isNaN(cpu.postgresMsPerSignIn) ? 0 : cpu.postgresMsPerSignIn) + cpu.loadGeneratorMsPerSignIn;
  const serverSideCpu = cpu.serverMsPerSignIn + (Number.isNaN(cpu.postgresMsPerSignIn) ? 0 : cpu.postgresMsPerSignIn);
  const lat = (xs: number[]) => ({
    p50: round(percentile(xs, 50)),
    p90: round(percentile(xs, 90)),
    p99: round(percentile(xs, 99)),
    mean: round(mean(xs)),
  });
  const report = {
    benchmark: 'password sign-in (authorization code + PKCE through the pages, code exchanged at /token) vs raw argon2id verify',
    date: new Date().toISOString(),
    node: process.version,
    cpus,
    cpuModel: os.cpus()[0]?.model,
    loadAverage: { atStart: loadAtStart, beforeRun: loadMid, afterRun: loadAfterRun, atEnd: os.loadavg().map((x) => round(x, 2)) },
    busyAtStart: busy,
    database: db.created ? 'fresh local Postgres database (dropped afterwards)' : 'DATABASE_URL',
    settings: { ...settings, argon2: params, hashConcurrency, scope: SCOPE, cpuProfile: cpuProf },
    signIns: {
      perSecond: round(signInsPerSecond, 2),
      count: run.signIns,
      seconds: round(run.seconds, 2),
      failures: run.failures,
      requestsPerSignIn: 7,
      latencyMs: lat(run.latencies),
      stepsMs: Object.fromEntries(STEPS.map((s) => [s, lat(run.steps[s])])),
      perVcpu: round(signInsPerSecond / cpus, 2),
    },
    warmup: { signIns: warm.signIns, seconds: round(warm.seconds, 2), failures: warm.failures },
    argon2: {
      before: { ...before, perSecond: round(before.perSecond, 2), cpuMsPerVerify: round(before.cpuMsPerVerify, 2) },
      after: { ...after, perSecond: round(after.perSecond, 2), cpuMsPerVerify: round(after.cpuMsPerVerify, 2) },
      meanPerSecond: round(verifiesPerSecond, 2),
    },
    ratio: round(ratio, 3),
    databasePerSignIn: database,
    serverCpuPerStepMs: settings.stepSamples > 0 ? { signIns: stepRuns, ...stepCpu } : undefined,
    // The issue-18 target: one verify's CPU against everything the server side spends on a sign-in
    // (Wayfinder, all threads, plus its Postgres backends).
    serverCpuMsPerSignIn: round(serverSideCpu, 2),
    verifyCpuMs: round(argonCpu, 2),
    serverCpuRatio: round(argonCpu / serverSideCpu, 3),
    cpu: {
      ...cpu,
      totalMsPerSignIn: round(cpuTotal, 2),
      cpuRatio: round(argonCpu / cpuTotal, 3),
      wayfinderOnlyCpuRatio: round(argonCpu / cpu.serverMsPerSignIn, 3),
    },
    target: { ratio: TARGET_RATIO, keycloakSignInsPerSecondPerVcpu: KEYCLOAK_PER_VCPU },
    pass:
      argonCpu / serverSideCpu >= TARGET_RATIO &&
      run.failures === 0 &&
      warm.failures === 0 &&
      stepRuns === Math.max(0, settings.stepSamples),
    errors: { ...warm.errors, ...run.errors, ...diagErrors },
  };
  mkdirSync(path.dirname(reportPath), { recursive: true });
  writeFileSync(reportPath, `${JSON.stringify(report, null, 2)}\n`);

  console.log('');
  console.log(
    `sign-ins             ${round(signInsPerSecond, 2)} /s (${run.signIns} in ${round(run.seconds, 1)}s, ${settings.concurrency} loops; ${round(signInsPerSecond / cpus, 2)} per vCPU, Keycloak publishes ${KEYCLOAK_PER_VCPU})`,
  );
  console.log(
    `  latency            p50 ${report.signIns.latencyMs.p50} ms, p99 ${report.signIns.latencyMs.p99} ms; steps p50: ${STEPS.map((s) => `${s} ${report.signIns.stepsMs[s].p50}`).join(', ')} ms`,
  );
  console.log(
    `raw argon2id verify  ${round(verifiesPerSecond, 2)} /s (mean of ${round(before.perSecond, 2)} before and ${round(after.perSecond, 2)} after; m=${params.memoryCost} t=${params.timeCost} p=${params.parallelism}, ${settings.concurrency} in flight)`,
  );
  console.log(`ratio                ${round(ratio, 3)} (target >= ${TARGET_RATIO}) ${ratio >= TARGET_RATIO ? 'OK' : 'BELOW TARGET'}`);
  console.log(
    `CPU per sign-in      server ${cpu.serverMsPerSignIn} ms (main thread ${cpu.serverMainThreadMsPerSignIn}), Postgres ${cpu.postgresMsPerSignIn} ms, load generator ${cpu.loadGeneratorMsPerSignIn} ms; one verify ${cpu.argon2MsPerVerify} ms (CPU ratio ${report.cpu.cpuRatio})`,
  );
  console.log(
    `server-side CPU      ${report.serverCpuMsPerSignIn} ms per sign-in (Wayfinder + Postgres); verify ÷ server-side = ${report.serverCpuRatio} (target >= ${TARGET_RATIO})`,
  );
  if (stepRuns) {
    console.log(
      `server CPU per step  ${STEPS.map((st) => `${st} ${stepCpu[st].server} (main thread ${stepCpu[st].mainThread}, Postgres ${stepCpu[st].postgres})`).join(', ')} ms, one at a time`,
    );
  }
  const busiest = Object.entries(database.tables)
    .slice(0, 6)
    .map(([t, v]) => `${t} ${v.scans}/${v.inserted}/${v.updated}/${v.deleted}`)
    .join(', ');
  console.log(`database per sign-in ${database.transactions} transactions; scans/inserted/updated/deleted: ${busiest}`);
  console.log(
    `load average         ${loadAtStart.join(' / ')} at start${busy ? ' (BUSY: figures are noisy)' : ''}, ${report.loadAverage.atEnd.join(' / ')} at the end`,
  );
  console.log(`report: ${path.relative(root, reportPath)}`);
  if (cpuProf) console.log(`CPU profile (written at shutdown): ${path.relative(root, profDir)}`);
  const diagFailures = Math.max(0, settings.stepSamples) - stepRuns;
  const failures = run.failures + warm.failures + diagFailures;
  if (failures) {
    for (const [message, count] of Object.entries(report.errors)) console.error(`  ${count} × ${message}`);
    throw new Error(
      `${failures} sign-ins failed (${warm.failures} in the warm-up, ${run.failures} in the run, ${diagFailures} in the step diagnostic)`,
    );
  }
}

if (process.env.BENCH_ROLE === 'argon2') {
  await argon2Child();
} else {
  const { runBenchmark } = await import('./lib/processes.js');
  await runBenchmark(main);
}
