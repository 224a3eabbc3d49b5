/**
 * Benchmark: the launcher with BENCH_APPS (1,000) apps registered and a person in BENCH_GROUPS (50)
 * groups. Wayfinder runs compiled (dist/, NODE_ENV=production) on a fresh Postgres database
 * (bench/lib); clients, organizations, groups and access rules are inserted in bulk by SQL, then
 * ANALYZE; BENCH_PEOPLE (20,000) other people in the organizations and 5 groups each give the tables real
 * sizes. Apps: 40% for everyone, 30% restricted to organizations (a third to the person's), 30%
 * to groups (among 300 groups of the person's organization and 100 of others; the person is in 50),
 * half with a trial URL.
 *   1. launcher.forPerson (in-process, on the same database): BENCH_REQUESTS (500) calls, 1 and 8 in flight;
 *   2. GET /account signed in (My account lists "Your apps"): same counts;
 *   3. GET / signed in (the lost page, "You're not lost — we're lost", lists the same apps): same counts;
 * p50/p99 of each, and the plan (EXPLAIN ANALYZE) of forPerson's one statement.
 * Writes bench/reports/launcher.json.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { openDatabase } from '../src/db/index.js';
import { createAppStore } from '../src/apps/store.js';
import { createLauncher } from '../src/apps/launcher.js';
import { PageClient, signInWithPassword } from '../test/helpers/browser.js';
import { benchDatabase } from './lib/database.js';
import { buildWayfinder, freePort, runBenchmark, startNode, waitReady } from './lib/processes.js';

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const APPS = num('BENCH_APPS', 1000);
const GROUPS = num('BENCH_GROUPS', 50);
const REQUESTS = num('BENCH_REQUESTS', 500);
const PEOPLE = num('BENCH_PEOPLE', 20_000);
const PASSWORD = 'correct horse battery staple';
const round = (x: number) => Math.round(x * 10) / 10;
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

async function load(count: number, concurrency: number, one: (i: number) => Promise<void>) {
  const latencies: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const t = performance.now();
        await one(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { requests: count, concurrency, p50Ms: round(quantile(latencies, 0.5)), p99Ms: round(quantile(latencies, 0.99)) };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
const get = (url: string, cookie: string) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.get(url, { agent, headers: { cookie } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });

await runBenchmark(async (cleanups) => {
  const db = await benchDatabase();
  cleanups.push(() => db.drop());
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'wf-bench-launcher-'));
  cleanups.push(() => rmSync(tmp, { recursive: true, force: true }));
  const bootstrap = path.join(tmp, 'bootstrap.yaml');
  writeFileSync(
    bootstrap,
    `users: [{ email: pat@bench.test, password: "${PASSWORD}", name: Pat }]
organizations:
  - { slug: bench, name: Bench, members: [{ email: pat@bench.test }] }
  - { slug: other, name: Other }
`,
  );
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    PORT: String(port),
    HOST: '127.0.0.1',
    ISSUER: base,
    DATABASE_URL: db.url,
    COOKIE_KEYS: randomBytes(32).toString('base64url'),
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'warn',
    DEMO: 'false',
    IDP_BOOTSTRAP: bootstrap,
  };
  const wayfinder = startNode('wayfinder', buildWayfinder(), env);
  await waitReady(wayfinder, `${base}/readyz`);

  const database = await openDatabase({ database: { url: db.url, dataDir: tmp, poolSize: 10 } });
  cleanups.push(() => database.close());
  const q = database.db;
  const org = async (slug: string) =>
    (await q.selectFrom('organizations').select('id').where('slug', '=', slug).executeTakeFirstOrThrow()).id;
  const [bench, other] = [await org('bench'), await org('other')];
  const pat = (await q.selectFrom('users').select('id').where('email_norm', '=', 'pat@bench.test').executeTakeFirstOrThrow()).id;
  const fill = performance.now();
  // 300 groups in the person's organization (the person in the first GROUPS), 100 in the other one.
  await sql`insert into groups (id, org_id, name) select 'g' || g, case when g <= 300 then ${bench} else ${other} end, 'group ' || g
    from generate_series(1, 400) g`.execute(q);
  await sql`insert into group_members (group_id, user_id) select 'g' || g, ${pat} from generate_series(1, ${GROUPS}) g`.execute(q);
  // Everyone else (BENCH_PEOPLE, 20,000): members of one of the organizations and of 5 groups each, so the
  // planner sees real table sizes for memberships and group_members.
  await sql`insert into users (id, email, email_norm, email_verified, status)
    select 'u' || i, 'p' || i || '@bench.test', 'p' || i || '@bench.test', true, 'active' from generate_series(1, ${PEOPLE}) i`.execute(q);
  await sql`insert into memberships (org_id, user_id, role) select case when i % 2 = 0 then ${bench} else ${other} end, 'u' || i, 'member'
    from generate_series(1, ${PEOPLE}) i`.execute(q);
  await sql`insert into group_members (group_id, user_id) select 'g' || (1 + (i * 13 + k * 71) % 400), 'u' || i
    from generate_series(1, ${PEOPLE}) i, generate_series(0, 4) k on conflict do nothing`.execute(q);
  // Apps (the trigger makes one app per client): i % 10 in 0..3 everyone, 4..6 organizations, 7..9 groups.
  await sql`insert into oidc_clients (client_id, metadata)
    select 'app' || i, jsonb_build_object('client_name', 'App ' || md5(i::text), 'grant_types', '["authorization_code"]'::jsonb,
      'redirect_uris', jsonb_build_array('https://app' || i || '.bench.test/cb'), 'response_types', '["code"]'::jsonb,
      'token_endpoint_auth_method', 'none', 'initiate_login_uri', 'https://app' || i || '.bench.test/login')
    from generate_series(1, ${APPS}) i`.execute(q);
  await sql`update apps set restricted = true, trial_url = case when substr(client_id, 4)::int % 2 = 0 then 'https://trial.bench.test/' || client_id end
    where substr(client_id, 4)::int % 10 >= 4`.execute(q);
  await sql`insert into app_access_orgs (app_id, org_id) select 'oidc-app' || i, case when i % 3 = 0 then ${bench} else ${other} end
    from generate_series(1, ${APPS}) i where i % 10 between 4 and 6`.execute(q);
  await sql`insert into app_access_groups (app_id, group_id) select 'oidc-app' || i, 'g' || (1 + (i * 7 + k) % 400)
    from generate_series(1, ${APPS}) i, generate_series(0, 2) k where i % 10 >= 7`.execute(q);
  for (const t of ['users', 'groups', 'group_members', 'oidc_clients', 'apps', 'app_access_orgs', 'app_access_groups', 'memberships'])
    await sql`analyze ${sql.table(t)}`.execute(q);
  console.log(`filled ${APPS} apps in ${round((performance.now() - fill) / 1000)} s; load ${os.loadavg().map(round).join(' ')}`);

  const store = createAppStore(q);
  const launcher = createLauncher({ store });
  const seen = await launcher.forPerson(pat, 'en');
  console.log(`pat may open ${seen.apps.length} apps and could ask for ${seen.requestable.length}`);

  const page = new PageClient(base);
  const landed = await page.get('/account');
  await signInWithPassword(page, landed, 'pat@bench.test', PASSWORD);
  if (!page.last.body.includes('class="app-open"'))
    throw new Error(`My account did not list apps (${page.last.status} at ${page.last.url})`);
  const names = new Set(page.setCookieLog.map(({ line }) => line.slice(0, line.indexOf('='))));
  const cookie = [...names]
    .filter((n) => page.cookie(n))
    .map((n) => `${n}=${page.cookie(n)}`)
    .join('; ');
  const account = async () => {
    const res = await get(`${base}/account`, cookie);
    if (res.status !== 200 || !res.body.includes('class="app-open"')) throw new Error(`GET /account: ${res.status}`);
  };

  const lost = async () => {
    const res = await get(`${base}/`, cookie);
    if (res.status !== 200 || !res.body.includes('class="launcher-app"')) throw new Error(`GET /: ${res.status}`);
  };

  const results = {
    forPerson: [
      await load(REQUESTS, 1, async () => void (await launcher.forPerson(pat, 'en'))),
      await load(REQUESTS, 8, async () => void (await launcher.forPerson(pat, 'en'))),
    ],
    account: [await load(REQUESTS, 1, account), await load(REQUESTS, 8, account)],
    lostPage: [await load(REQUESTS, 1, lost), await load(REQUESTS, 8, lost)],
  };
  const plan = await store.explainForPerson(pat);
  const report = {
    apps: APPS,
    groupsOfPerson: GROUPS,
    otherPeople: PEOPLE,
    listed: { apps: seen.apps.length, requestable: seen.requestable.length },
    statements: 1,
    machine: { cores: os.cpus().length, load: os.loadavg().map(round) },
    ...results,
    plan,
  };
  writeFileSync(path.resolve('bench/reports/launcher.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log(JSON.stringify(results, null, 1));
  console.log(plan.join('\n'));
});
