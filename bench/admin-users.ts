/**
 * Benchmark: the admin API's people list of an organization with BENCH_PEOPLE (100,000) members.
 * Wayfinder runs compiled (dist/, NODE_ENV=production) on a fresh Postgres database (bench/lib); the
 * admin client comes from the bootstrap file; people are inserted in bulk by SQL, then ANALYZE.
 *   1. first page (GET /api/admin/v1/users?limit=50): BENCH_REQUESTS (500) requests, 1 and 8 in flight;
 *   2. a search term (GET …/users?q=<prefix>&limit=50) on random name prefixes, same counts;
 *   3. terms that match nobody or a handful (the case an unindexed prefix pays most for), same counts;
 * p50/p99 of each, and the query plans (EXPLAIN ANALYZE of the store's SQL): both must use indexes.
 * Writes bench/reports/admin-users.json.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { createAdminStore } from '../src/admin/store.js';
import { openDatabase } from '../src/db/index.js';
import { benchDatabase } from './lib/database.js';
import { buildWayfinder, freePort, runBenchmark, startNode, waitReady } from './lib/processes.js';

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const PEOPLE = num('BENCH_PEOPLE', 100_000);
const REQUESTS = num('BENCH_REQUESTS', 500);
const SECRET = randomBytes(24).toString('base64url');
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

await runBenchmark(async (cleanups) => {
  const db = await benchDatabase();
  cleanups.push(() => db.drop());
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'wf-bench-admin-'));
  cleanups.push(() => rmSync(tmp, { recursive: true, force: true }));
  const bootstrap = path.join(tmp, 'bootstrap.yaml');
  writeFileSync(
    bootstrap,
    `organizations:\n  - { slug: bench, name: Bench }\nclients:\n  - client_id: bench-admin\n    client_secret: ${SECRET}\n    grant_types: [client_credentials]\n    redirect_uris: []\n    response_types: []\n    admin: { organization: bench }\n`,
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

  const database = await openDatabase({ database: { url: db.url, dataDir: tmp, poolSize: 2 } });
  cleanups.push(() => database.close());
  const orgId = (await database.db.selectFrom('organizations').select('id').where('slug', '=', 'bench').executeTakeFirstOrThrow()).id;
  const fill = performance.now();
  await sql`insert into users (id, email, email_norm, email_verified, name, status)
    select 'u' || g, 'person' || lpad(g::text, 6, '0') || '@bench.test', 'person' || lpad(g::text, 6, '0') || '@bench.test', true,
           (array['Ada','Ben','Cleo','Dan','Eve','Finn','Gus','Hana'])[1 + g % 8] || ' ' || md5(g::text), 'active'
    from generate_series(1, ${PEOPLE}) g`.execute(database.db);
  await sql`insert into memberships (org_id, user_id, role) select ${orgId}, 'u' || g, 'member' from generate_series(1, ${PEOPLE}) g`.execute(
    database.db,
  );
  await sql`analyze users`.execute(database.db);
  await sql`analyze memberships`.execute(database.db);
  console.log(`filled ${PEOPLE} people in ${round((performance.now() - fill) / 1000)} s; load ${os.loadavg().map(round).join(' ')}`);

  const tokenRes = await fetch(`${base}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`bench-admin:${SECRET}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'admin:read', resource: `${base}/api/admin/v1` }),
  });
  const token = ((await tokenRes.json()) as { access_token: string }).access_token;
  const get = async (query: string, expectSome: boolean) => {
    const res = await fetch(`${base}/api/admin/v1/users?${query}`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await res.json()) as { items?: unknown[] };
    if (res.status !== 200 || (expectSome && !body.items?.length))
      throw new Error(`${query}: ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
  };
  const prefixes = ['ada', 'ben ', 'cleo 1', 'person0012', 'eve a', 'finn 0', 'gus', 'hana f'];
  const rare = ['zoe', 'person1000', 'hana ffff', 'x', 'person099999', 'gus 0000', 'qu', 'éva'];
  const results = {
    firstPage: [await load(REQUESTS, 1, () => get('limit=50', true)), await load(REQUESTS, 8, () => get('limit=50', true))],
    search: [
      await load(REQUESTS, 1, (i) => get(`limit=50&q=${encodeURIComponent(prefixes[i % prefixes.length])}`, false)),
      await load(REQUESTS, 8, (i) => get(`limit=50&q=${encodeURIComponent(prefixes[i % prefixes.length])}`, false)),
    ],
    // Terms that match nobody or a handful: without an index on the prefix, the worst case (every person read).
    searchRare: [
      await load(REQUESTS, 1, (i) => get(`limit=50&q=${encodeURIComponent(rare[i % rare.length])}`, false)),
      await load(REQUESTS, 8, (i) => get(`limit=50&q=${encodeURIComponent(rare[i % rare.length])}`, false)),
    ],
  };
  const store = createAdminStore(database.db);
  const plan = async (q: string | undefined) => {
    const compiled = store.usersPageQuery({ orgId, q, limit: 50 }).compile();
    const rows = await sql
      .raw<{ 'QUERY PLAN': string }>(
        `explain analyze ${compiled.sql.replace(/\$(\d+)/g, (_m, n) => `'${String(compiled.parameters[Number(n) - 1]).replace(/'/g, "''")}'`)}`,
      )
      .execute(database.db);
    return rows.rows.map((r) => r['QUERY PLAN']);
  };
  const plans = { firstPage: await plan(undefined), search: await plan('ada'), searchRare: await plan('zoe') };
  const report = { people: PEOPLE, machine: { cores: os.cpus().length, load: os.loadavg().map(round) }, ...results, plans };
  writeFileSync(path.resolve('bench/reports/admin-users.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log(JSON.stringify({ firstPage: results.firstPage, search: results.search, searchRare: results.searchRare }, null, 1));
  console.log(plans.firstPage.slice(0, 8).join('\n'));
  console.log(plans.search.slice(0, 10).join('\n'));
  console.log(plans.searchRare.slice(0, 12).join('\n'));
});
