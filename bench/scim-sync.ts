/**
 * Benchmark: an initial SCIM sync as Entra ID's provisioning service sends it, then the lookup it
 * makes before every change. Wayfinder runs as a child process as production runs it (compiled
 * dist/, plain node, NODE_ENV=production) on a fresh Postgres database (bench/lib), loopback only,
 * with one organization whose domain is verified (bootstrap file); its SCIM token comes from the
 * CLI (`scim token create --org bench`, token alone on stdout).
 *   1. users: BENCH_USERS (10,000) POST /Users, one request per user, BENCH_CONCURRENCY (8) in flight;
 *      users/s and latency p50/p99 (every answer must be 201);
 *   2. groups: BENCH_GROUPS (200) POST /Groups, then BENCH_MEMBERS (50) members each, one PATCH
 *      (add members) per member as Entra does; member adds/s and p50/p99 (every answer 201 / 204);
 *   3. lookup: the people table filled to BENCH_LOOKUP_USERS (100,000) provisioned people (the rest
 *      inserted in bulk by SQL, then ANALYZE), then BENCH_LOOKUPS (3,000) GET /Users?filter=userName eq
 *      "…" on random existing people (each must find exactly that person); p50/p99, and the query plan
 *      (EXPLAIN ANALYZE of the store's compiled SQL) that must use the userName index.
 * Writes bench/reports/scim-sync.json. Knobs above (environment), DATABASE_URL (else a throwaway
 * local database). Figures are noisy on a shared machine: they are reported with the machine's load.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../src/db/index.js';
import { parseFilter } from '../src/provisioning/filter.js';
import { createScimStore } from '../src/provisioning/store.js';
import { benchDatabase } from './lib/database.js';
import { buildWayfinder, freePort, runBenchmark, startNode, waitReady } from './lib/processes.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const settings = {
  users: num('BENCH_USERS', 10_000),
  groups: num('BENCH_GROUPS', 200),
  members: num('BENCH_MEMBERS', 50),
  lookupUsers: num('BENCH_LOOKUP_USERS', 100_000),
  lookups: num('BENCH_LOOKUPS', 3000),
  concurrency: num('BENCH_CONCURRENCY', 8),
};
const DOMAIN = 'bench.test';
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const userName = (i: number) => `user${String(i).padStart(6, '0')}@${DOMAIN}`;

interface Phase {
  requests: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Runs `count` requests, `concurrency` at a time; each must answer `expected`. */
async function load(count: number, concurrency: number, one: (i: number) => Promise<number>, expected: number[]): Promise<Phase> {
  const latencies: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const start = performance.now();
        const status = await one(i);
        latencies.push(performance.now() - start);
        if (!expected.includes(status)) throw new Error(`request ${i} answered ${status}`);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  return {
    requests: count,
    seconds: round(seconds, 2),
    perSecond: round(count / seconds),
    p50Ms: round(quantile(latencies, 0.5), 2),
    p99Ms: round(quantile(latencies, 0.99), 2),
    maxMs: round(Math.max(...latencies), 2),
  };
}

function cli(env: NodeJS.ProcessEnv, ...args: string[]) {
  return new Promise<string>((resolve, reject) => {
    execFile(process.execPath, ['dist/src/cli/main.js', ...args], { cwd: root, env, timeout: 120_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`cli ${args.join(' ')}: ${stderr}`)) : resolve(stdout),
    );
  });
}

await runBenchmark(async (cleanups) => {
  const db = await benchDatabase();
  cleanups.push(() => db.drop());
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'wf-bench-scim-'));
  cleanups.push(() => rmSync(tmp, { recursive: true, force: true }));
  const bootstrap = path.join(tmp, 'bootstrap.yaml');
  writeFileSync(
    bootstrap,
    ['organizations:', '  - slug: bench', '    name: Bench', `    domains: [{ domain: ${DOMAIN}, verified: true }]`, ''].join('\n'),
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
  const token = (await cli(env, 'scim', 'token', 'create', '--org', 'bench', '--label', 'bench')).trim();
  if (!/^wfscim_[\w-]{43}$/.test(token)) throw new Error(`the CLI printed more than the token: ${token}`);
  const scim = `${base}/scim/v2`;
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' };
  const call = async (method: string, url: string, body?: unknown) => {
    const res = await fetch(`${scim}${url}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const loadavg = () => os.loadavg().map((l) => round(l, 2));
  const loadAtStart = loadavg();
  console.log(`machine: ${os.cpus().length} cores, load ${loadAtStart.join(' ')}`);

  // 1. Users, as Entra creates them (its body, one per request).
  const ids: string[] = new Array(settings.users);
  const users = await load(
    settings.users,
    settings.concurrency,
    async (i) => {
      const res = await call('POST', '/Users', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
        externalId: randomBytes(16).toString('hex'),
        userName: userName(i),
        active: true,
        emails: [{ primary: true, type: 'work', value: userName(i) }],
        meta: { resourceType: 'User' },
        name: { formatted: `Given${i} Family${i}`, familyName: `Family${i}`, givenName: `Given${i}` },
        roles: [],
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: `Dept ${i % 40}`, employeeNumber: String(i) },
      });
      ids[i] = res.body?.id;
      return res.status;
    },
    [201],
  );
  console.log(
    `users: ${users.requests} in ${users.seconds} s = ${users.perSecond} users/s, p50 ${users.p50Ms} ms, p99 ${users.p99Ms} ms (load ${loadavg().join(' ')})`,
  );

  // 2. Groups, then their members one PATCH each.
  const groupIds: string[] = [];
  const groups = await load(
    settings.groups,
    settings.concurrency,
    async (g) => {
      const res = await call('POST', '/Groups', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
        externalId: `g-${g}`,
        displayName: `Group ${g}`,
        meta: { resourceType: 'Group' },
      });
      groupIds[g] = res.body?.id;
      return res.status;
    },
    [201],
  );
  const memberships = await load(
    settings.groups * settings.members,
    settings.concurrency,
    async (k) => {
      const g = k % settings.groups;
      const member = ids[(g * settings.members + Math.floor(k / settings.groups)) % ids.length];
      const res = await call('PATCH', `/Groups/${groupIds[g]}`, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'Add', path: 'members', value: [{ $ref: null, value: member }] }],
      });
      return res.status;
    },
    [204],
  );
  const sampleGroup = await call('GET', `/Groups/${groupIds[0]}`);
  if (sampleGroup.body.members.length !== settings.members) throw new Error(`group 0 has ${sampleGroup.body.members.length} members`);
  console.log(
    `groups: ${groups.requests} created (${groups.perSecond}/s); member adds ${memberships.requests} = ${memberships.perSecond}/s, p50 ${memberships.p50Ms} ms, p99 ${memberships.p99Ms} ms`,
  );

  // 3. Fill up to 100,000 provisioned people by SQL, then look people up by userName.
  const database = await openDatabase({ database: { url: db.url, dataDir: tmp, poolSize: 2 } });
  cleanups.push(() => database.close());
  const { sql } = await import('kysely');
  const orgId = (await database.db.selectFrom('organizations').select('id').where('slug', '=', 'bench').executeTakeFirstOrThrow()).id;
  const fillStart = performance.now();
  for (let from = settings.users; from < settings.lookupUsers; from += 10_000) {
    const to = Math.min(settings.lookupUsers, from + 10_000) - 1;
    await sql`with made as (
        insert into users (id, email, email_norm, email_verified, status, name, created_at, updated_at)
        select 'bulk-' || i, 'user' || lpad(i::text, 6, '0') || ${`@${DOMAIN}`}, 'user' || lpad(i::text, 6, '0') || ${`@${DOMAIN}`}, true, 'active', 'Bulk ' || i, now(), now()
        from generate_series(${from}::int, ${to}::int) i returning id, email)
      insert into scim_users (user_id, org_id, user_name, external_id, display_name, emails_norm, resource)
      select id, ${orgId}, email, md5(id), null, jsonb_build_array(jsonb_build_object('type', 'work', 'value', email, 'primary', true)),
        jsonb_build_object('userName', email, 'active', true, 'emails', jsonb_build_array(jsonb_build_object('type', 'work', 'value', email, 'primary', true)))
      from made`.execute(database.db);
  }
  await sql`insert into memberships (org_id, user_id, role) select ${orgId}, id, 'member' from users where id like 'bulk-%'`.execute(
    database.db,
  );
  await sql`analyze`.execute(database.db);
  const total = (await call('GET', '/Users?count=0')).body.totalResults;
  if (total !== settings.lookupUsers) throw new Error(`${total} people, expected ${settings.lookupUsers}`);
  console.log(`filled to ${total} people in ${round((performance.now() - fillStart) / 1000)} s`);
  const lookups = await load(
    settings.lookups,
    settings.concurrency,
    async () => {
      const i = Math.floor(Math.random() * settings.lookupUsers);
      const res = await call('GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName(i).toUpperCase()}"`)}`);
      if (res.body?.totalResults !== 1 || res.body.Resources[0].userName !== userName(i))
        throw new Error(`lookup of ${userName(i)} found ${res.body?.totalResults}`);
      return res.status;
    },
    [200],
  );
  const miss = await call('GET', `/Users?filter=${encodeURIComponent(`userName eq "${randomBytes(8).toString('hex')}"`)}`);
  if (miss.body.totalResults !== 0) throw new Error('the random userName was found');
  const plan = await createScimStore(database.db).explainUserName(orgId, parseFilter(`userName eq "${userName(4242)}"`));
  const indexed = plan.some((l) => l.includes('scim_users_user_name'));
  console.log(
    `lookup by userName over ${total}: ${lookups.perSecond}/s, p50 ${lookups.p50Ms} ms, p99 ${lookups.p99Ms} ms; index used: ${indexed}`,
  );
  console.log(plan.join('\n'));
  if (!indexed) throw new Error('the userName lookup does not use its index');

  const report = {
    at: new Date().toISOString(),
    machine: {
      cores: os.cpus().length,
      loadavgAtStart: loadAtStart,
      loadavgAtEnd: loadavg(),
      // The 1-minute load at the start says whether other work shared the cores (this run's own load follows).
      busyAtStart: loadAtStart[0] > 1.5,
    },
    settings,
    users,
    groups,
    memberships,
    lookup: { people: total, ...lookups, plan, indexUsed: indexed },
  };
  mkdirSync(path.join(root, 'bench/reports'), { recursive: true });
  writeFileSync(path.join(root, 'bench/reports/scim-sync.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log('wrote bench/reports/scim-sync.json');
});
