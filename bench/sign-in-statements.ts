/**
 * Diagnostic (issue 18): the SQL statements of one warm password sign-in, step by step, on Postgres.
 * Starts Wayfinder in this process (test configuration, a fresh database on DATABASE_URL's server),
 * records every statement the pg client sends, and walks one sign-in without following redirects:
 * GET /auth → GET /interaction/:uid → POST identify → GET /interaction/:uid → POST password →
 * GET /auth/:uid → POST /token. The first sign-in warms the caches; the second is reported.
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres NODE_ENV=test npx tsx bench/sign-in-statements.ts
 * QUIET=1: the counts only; W: characters of each statement shown (default 120).
 */
import pg from 'pg';
import { createHash, randomBytes } from 'node:crypto';

const log: string[] = [];
const width = Number(process.env.W ?? 120);
const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
(pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown }).query = function (this: unknown, ...args: unknown[]) {
  const q = args[0] as string | { text?: string } | undefined;
  const text = typeof q === 'string' ? q : q?.text;
  const first = Array.isArray(args[1]) ? String(args[1][0]).slice(0, 40) : '';
  if (text) log.push(`${text.replace(/\s+/g, ' ').slice(0, width)}  [${first}]`);
  return query.apply(this, args);
};

if (!process.env.DATABASE_URL) throw new Error('set DATABASE_URL (a Postgres server; a fresh database is made on it)');
const { startTestServer } = await import('../test/helpers/server.js');
const { PageClient } = await import('../test/helpers/browser.js');
const server = await startTestServer();
const EMAIL = 'person@bench.test';
const PASSWORD = randomBytes(12).toString('base64url');
const SECRET = randomBytes(24).toString('base64url');
const REDIRECT = 'http://127.0.0.1:9/cb';
await server.services.users.create({ email: EMAIL, password: PASSWORD, name: 'Bench', email_verified: true });
await server.services.clients.upsert({
  client_id: 'bench',
  client_secret: SECRET,
  client_name: 'Bench',
  redirect_uris: [REDIRECT],
  grant_types: ['authorization_code'],
  first_party: true,
});

async function signIn(print: boolean) {
  const page = new PageClient(server.url);
  const verifier = randomBytes(32).toString('base64url');
  const auth = new URL('/auth', server.url);
  auth.search = new URLSearchParams({
    client_id: 'bench',
    response_type: 'code',
    scope: 'openid email',
    redirect_uri: REDIRECT,
    state: 'state',
    nonce: 'nonce',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();
  const steps: Array<[string, number]> = [];
  const mark = (name: string) => {
    if (print) console.log(`--- ${name}: ${log.length}\n${log.map((l) => `    ${l}`).join('\n')}`);
    steps.push([name, log.length]);
    log.length = 0;
  };
  log.length = 0;
  await page.request(auth.toString());
  mark('GET /auth');
  await page.request(new URL(page.last.location!, server.url).toString());
  mark('GET /interaction/:uid (email page)');
  const uid = new URL(page.last.url).pathname.split('/')[2];
  const csrf = page.csrf();
  const post = (path: string, fields: Record<string, string>) =>
    page.request(path, {
      method: 'POST',
      body: new URLSearchParams({ ...fields, csrf }),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
  await post(`/interaction/${uid}/identify`, { email: EMAIL });
  mark('POST identify');
  await page.request(`/interaction/${uid}`);
  mark('GET /interaction/:uid (password page)');
  await post(`/interaction/${uid}/password`, { password: PASSWORD });
  mark('POST password');
  await page.request(new URL(page.last.location!, server.url).toString());
  mark('GET /auth/:uid');
  const code = new URL(page.last.location!).searchParams.get('code')!;
  const res = await fetch(new URL('/token', server.url), {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`bench:${SECRET}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier }),
  });
  if (res.status !== 200) throw new Error(`token: ${res.status} ${await res.text()}`);
  await res.text();
  await new Promise((r) => setTimeout(r, 300)); // what the token request set off
  mark('POST /token');
  return steps;
}

try {
  await signIn(false);
  const steps = await signIn(process.env.QUIET !== '1');
  console.log(`statements per sign-in: ${steps.reduce((n, [, c]) => n + c, 0)} (${steps.map(([s, c]) => `${s} ${c}`).join(', ')})`);
} finally {
  await server.close();
}
