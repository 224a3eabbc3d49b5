/**
 * Benchmark: Wayfinder's token endpoint (client credentials, JWT access token for a registered API)
 * against a bare oidc-provider doing the same work. Both run as child processes on loopback; the runs
 * alternate (bare, wayfinder, bare, wayfinder, …) on this shared machine and the medians are compared.
 * Also measures Wayfinder's resident memory idle and under load. Writes bench/reports/client-credentials.json.
 *
 * Knobs (environment): BENCH_SECONDS (8), BENCH_ROUNDS (5), BENCH_WARMUP_SECONDS (5),
 * BENCH_SETTLE_SECONDS (45: idle time before the idle RSS is read), BENCH_CONNECTIONS (16),
 * BENCH_MAX_REQUESTS per run (300000), BENCH_CPU_PROF=1 (CPU profiles of both servers into
 * bench/reports/profiles/), DATABASE_URL (else a throwaway local database).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchDatabase } from './lib/database.js';
import { buildWayfinder, cpuMs, freePort, memoryMb, sampleRss, runBenchmark, startNode, waitReady, type Child } from './lib/processes.js';
import { checkSample, tokenLoad, type LoadResult, type TokenRequest } from './lib/token-load.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const settings = {
  seconds: num('BENCH_SECONDS', 8),
  rounds: num('BENCH_ROUNDS', 5),
  warmupSeconds: num('BENCH_WARMUP_SECONDS', 5),
  settleSeconds: num('BENCH_SETTLE_SECONDS', 45),
  connections: num('BENCH_CONNECTIONS', 16),
  maxRequests: num('BENCH_MAX_REQUESTS', 300_000),
};
const cpuProf = process.env.BENCH_CPU_PROF === '1';
const RESOURCE = 'https://api.bench.test';
const SCOPE = 'read';
const TTL = 600;
const CLIENT_ID = 'bench-cc';
const CLIENT_SECRET = randomBytes(24).toString('base64url');
const TARGET_RATIO = 0.7;
const TARGET_IDLE_MB = 150;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

type Run = LoadResult & { cpuMsPerToken: number };
interface Target {
  name: 'bare' | 'wayfinder';
  child: Child;
  token: TokenRequest;
  runs: Run[];
  peakRssMb: number;
}

function bootstrapYaml() {
  return [
    'clients:',
    `  - client_id: ${CLIENT_ID}`,
    `    client_secret: ${CLIENT_SECRET}`,
    '    grant_types: [client_credentials]',
    '    token_endpoint_auth_method: client_secret_basic',
    'resource_servers:',
    `  - identifier: ${RESOURCE}`,
    `    scopes: [${SCOPE}]`,
    `    access_token_ttl: ${TTL}`,
    '',
  ].join('\n');
}

async function main(cleanups: Array<() => Promise<void> | void>) {
  const loadAtStart = os.loadavg().map((x) => round(x, 2));
  const [load1] = loadAtStart;
  if (load1 > 1)
    console.warn(
      `WARNING load average is ${round(load1, 2)} before the start: other work shares the ${os.cpus().length} cores, figures will be noisy`,
    );
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'wayfinder-bench-'));
  cleanups.push(() => rmSync(tmp, { recursive: true, force: true }));
  const db = await benchDatabase();
  cleanups.push(() => db.drop());
  const bootstrap = path.join(tmp, 'bootstrap.yaml');
  writeFileSync(bootstrap, bootstrapYaml(), { mode: 0o600 });

  const profDir = path.join(root, 'bench/reports/profiles');
  // One folder per server: the tsx loader thread writes a profile of its own beside the main thread's.
  const flags = (name: string) => (cpuProf ? ['--cpu-prof', '--cpu-prof-dir', path.join(profDir, name)] : []);
  const base = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production' };
  const [wfPort, barePort] = [await freePort(), await freePort()];
  const tokenFor = (port: number): TokenRequest => ({
    tokenUrl: `http://127.0.0.1:${port}/token`,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    resource: RESOURCE,
    scope: SCOPE,
  });

  const wayfinder = startNode(
    'wayfinder',
    buildWayfinder(),
    {
      ...base,
      PORT: String(wfPort),
      HOST: '127.0.0.1',
      ISSUER: `http://127.0.0.1:${wfPort}`,
      DATABASE_URL: db.url,
      COOKIE_KEYS: randomBytes(32).toString('base64url'),
      ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      LOG_LEVEL: 'warn',
      DEMO: 'false',
      IDP_BOOTSTRAP: bootstrap,
    },
    flags('wayfinder'),
  );
  const bare = startNode(
    'bare',
    'bench/bare-provider.ts',
    {
      ...base,
      PORT: String(barePort),
      ISSUER: `http://127.0.0.1:${barePort}`,
      BENCH_COOKIE_KEY: randomBytes(32).toString('base64url'),
      BENCH_CLIENT_ID: CLIENT_ID,
      BENCH_CLIENT_SECRET: CLIENT_SECRET,
      BENCH_RESOURCE: RESOURCE,
      BENCH_SCOPE: SCOPE,
      BENCH_TTL: String(TTL),
    },
    flags('bare'),
  );
  await Promise.all([
    waitReady(wayfinder, `http://127.0.0.1:${wfPort}/readyz`),
    waitReady(bare, `http://127.0.0.1:${barePort}/.well-known/openid-configuration`),
  ]);
  await sleep(2000);
  const idleAtStartMb = memoryMb(wayfinder.pid).rss;
  const bareIdleAtStartMb = memoryMb(bare.pid).rss;

  const targets: Target[] = [
    { name: 'bare', child: bare, token: tokenFor(barePort), runs: [], peakRssMb: 0 },
    { name: 'wayfinder', child: wayfinder, token: tokenFor(wfPort), runs: [], peakRssMb: 0 },
  ];
  // A wrong lifetime does not change the work per token, so it is reported rather than fatal.
  const warnings: string[] = [];
  for (const t of targets) {
    const sample = await checkSample(t.token, t.name);
    if (sample.ttl !== TTL) warnings.push(`${t.name}: access token lives ${sample.ttl}s, the resource server says ${TTL}s`);
    console.log(`${t.name}: sample token OK (${sample.bytes} bytes of JSON, ttl ${sample.ttl}s)`);
  }
  for (const w of warnings) console.warn(`WARNING ${w}`);

  console.log(`warm-up: ${settings.warmupSeconds}s each, ${settings.connections} connections`);
  for (const t of targets) {
    const r = await tokenLoad(t.token, { ...settings, seconds: settings.warmupSeconds }, `${t.name} warm-up`);
    console.log(`warm-up ${t.name.padEnd(9)} ${round(r.tokensPerSecond)} tokens/s (${r.requests})`);
  }
  // V8 returns memory of a burst only after some idle time (its memory reducer): wait for it.
  await sleep(settings.settleSeconds * 1000);
  const idleAfterWarmupMb = memoryMb(wayfinder.pid).rss;
  const bareIdleAfterWarmupMb = memoryMb(bare.pid).rss;

  for (let i = 1; i <= settings.rounds; i++) {
    for (const t of targets) {
      if (t.child.proc.exitCode !== null || t.child.proc.signalCode !== null) {
        throw new Error(`${t.name} has stopped (${t.child.proc.exitCode ?? t.child.proc.signalCode}):\n${t.child.tail()}`);
      }
      const sampler = sampleRss(t.child.pid);
      const cpuBefore = cpuMs(t.child.pid);
      const load = await tokenLoad(t.token, settings, `${t.name} run ${i}`).finally(() => {
        t.peakRssMb = Math.max(t.peakRssMb, sampler.stop());
      });
      const r = {
        ...load,
        tokensPerSecond: round(load.tokensPerSecond),
        cpuMsPerToken: round((cpuMs(t.child.pid) - cpuBefore) / load.requests, 3),
      };
      t.runs.push(r);
      console.log(
        `run ${i} ${t.name.padEnd(9)} ${r.tokensPerSecond.toString().padStart(8)} tokens/s  ${r.cpuMsPerToken} CPU ms/token  p50 ${r.p50} ms  p99 ${r.p99} ms  (${r.requests} in ${r.seconds}s)`,
      );
    }
  }

  const [b, w] = targets;
  const bareTps = median(b.runs.map((r) => r.tokensPerSecond));
  const wfTps = median(w.runs.map((r) => r.tokensPerSecond));
  const ratio = wfTps / bareTps;
  // Less sensitive to other work on a shared machine: each Wayfinder run against the bare run just before it,
  // and the server CPU time each token costs.
  const pairedRatio = median(w.runs.map((r, i) => r.tokensPerSecond / b.runs[i].tokensPerSecond));
  const bareCpu = median(b.runs.map((r) => r.cpuMsPerToken));
  const wfCpu = median(w.runs.map((r) => r.cpuMsPerToken));
  const wfMem = memoryMb(wayfinder.pid);
  const report = {
    benchmark: 'client-credentials token endpoint: Wayfinder vs bare oidc-provider',
    date: new Date().toISOString(),
    node: process.version,
    loadAverage: { atStart: loadAtStart, atEnd: os.loadavg().map((x) => round(x, 2)) },
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    database: db.created ? 'fresh local Postgres database (dropped afterwards)' : 'DATABASE_URL',
    settings,
    bare: {
      tokensPerSecond: round(bareTps),
      cpuMsPerToken: bareCpu,
      runs: b.runs,
      idleRssMb: round(bareIdleAfterWarmupMb),
      idleRssAtStartMb: round(bareIdleAtStartMb),
      peakRssMb: round(b.peakRssMb),
    },
    wayfinder: {
      tokensPerSecond: round(wfTps),
      cpuMsPerToken: wfCpu,
      runs: w.runs,
      idleRssMb: round(idleAfterWarmupMb),
      idleRssAtStartMb: round(idleAtStartMb),
      peakRssMb: round(w.peakRssMb),
      highWaterMarkMb: round(wfMem.hwm),
    },
    ratio: round(ratio, 3),
    pairedRatio: round(pairedRatio, 3),
    cpuRatio: round(bareCpu / wfCpu, 3),
    targets: { ratio: TARGET_RATIO, idleRssMb: TARGET_IDLE_MB },
    pass: { ratio: ratio >= TARGET_RATIO, idleRss: idleAfterWarmupMb < TARGET_IDLE_MB },
    warnings,
  };
  mkdirSync(path.join(root, 'bench/reports'), { recursive: true });
  writeFileSync(path.join(root, 'bench/reports/client-credentials.json'), `${JSON.stringify(report, null, 2)}\n`);

  console.log('');
  console.log(`bare oidc-provider   ${round(bareTps)} tokens/s (median of ${b.runs.length})`);
  console.log(`Wayfinder            ${round(wfTps)} tokens/s (median of ${w.runs.length})`);
  console.log(`ratio                ${round(ratio, 3)} (target >= ${TARGET_RATIO}) ${report.pass.ratio ? 'OK' : 'BELOW TARGET'}`);
  console.log(
    `  median of paired runs ${round(pairedRatio, 3)}; server CPU per token ${bareCpu} ms bare, ${wfCpu} ms Wayfinder (ratio ${round(bareCpu / wfCpu, 3)})`,
  );
  console.log(
    `Wayfinder RSS idle   ${round(idleAfterWarmupMb)} MB after warm-up and ${settings.settleSeconds}s idle (${round(idleAtStartMb)} MB after start; target < ${TARGET_IDLE_MB}) ${report.pass.idleRss ? 'OK' : 'ABOVE TARGET'}`,
  );
  console.log(`  bare: ${round(bareIdleAfterWarmupMb)} MB after warm-up, ${round(bareIdleAtStartMb)} MB after start`);
  console.log(`Wayfinder RSS peak   ${round(w.peakRssMb)} MB under load (bare: ${round(b.peakRssMb)} MB)`);
  console.log('report: bench/reports/client-credentials.json');
  if (cpuProf) console.log(`CPU profiles (written at shutdown): ${profDir}`);
}

await runBenchmark(main);
