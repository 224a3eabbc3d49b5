/**
 * Memory under load: one instance, SOAK_MEMORY_LOAD_SECONDS (60) of token and sign-in load, then
 * SOAK_MEMORY_IDLE_SECONDS (45) idle, SOAK_MEMORY_ROUNDS (2) times; the server's RSS (/proc) is sampled
 * every second and its V8 heap and external memory (prom-client's default metrics on /metrics) every
 * 5 s. Reports RSS after start, peak, after each load phase and after 30 s and at the end of each idle
 * phase: if the idle figure of round 2 is well above round 1's, something holds memory. With SOAK_HEAP=1
 * the server runs with --heapsnapshot-signal and a snapshot is written after the start and after each
 * idle phase; the objects whose count grew most are listed (bench/soak/heap.ts).
 * SOAK_SERVER_ENV adds variables to the server's environment (comma-separated NAME=value), e.g. glibc's
 * MALLOC_ARENA_MAX or MALLOC_MMAP_THRESHOLD_ to see how much of the RSS is malloc arenas kept by the
 * threads that run argon2id (19 MiB per hash, outside the V8 heap).
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { freePort, memoryMb } from '../lib/processes.js';
import { alive, cluster, type Cleanups } from './cluster.js';
import { growth } from './heap.js';
import { byStatus, Recorder, signInLoops, tokenLoops } from './traffic.js';

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (x: number) => Math.round(x * 10) / 10;

/** /metrics answers only with the token the server was started with (METRICS_TOKEN). */
const METRICS_TOKEN = randomBytes(24).toString('base64url');

async function heapMb(origin: string) {
  try {
    const headers = { authorization: `Bearer ${METRICS_TOKEN}` };
    const text = await (await fetch(`${origin}/metrics`, { headers, signal: AbortSignal.timeout(3000) })).text();
    const metric = (name: string) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? NaN) / 1024 / 1024;
    return {
      heapUsed: round(metric('nodejs_heap_size_used_bytes')),
      heapTotal: round(metric('nodejs_heap_size_total_bytes')),
      external: round(metric('nodejs_external_memory_bytes')),
    };
  } catch {
    return undefined;
  }
}

export async function memoryScenario(cleanups: Cleanups) {
  const s = {
    loadSeconds: num('SOAK_MEMORY_LOAD_SECONDS', 60),
    idleSeconds: num('SOAK_MEMORY_IDLE_SECONDS', 45),
    rounds: num('SOAK_MEMORY_ROUNDS', 2),
    tokenConcurrency: num('SOAK_TOKEN_CONCURRENCY', 4),
    signInConcurrency: num('SOAK_SIGNIN_CONCURRENCY', 2),
    heapSnapshots: process.env.SOAK_HEAP === '1',
    serverEnv: Object.fromEntries(
      (process.env.SOAK_SERVER_ENV ?? '')
        .split(',')
        .filter(Boolean)
        .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    ) as Record<string, string>,
  };
  const c = await cluster(cleanups);
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const snapDir = mkdtempSync(path.join(os.tmpdir(), 'wayfinder-soak-heap-'));
  cleanups.push(() => rmSync(snapDir, { recursive: true, force: true }));
  const flags = s.heapSnapshots ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${snapDir}`] : [];
  const inst = await c.start('wayfinder', port, origin, flags, { METRICS_TOKEN, ...s.serverEnv });
  const pid = inst.child.pid;

  const snapshots: string[] = [];
  const snapshot = async () => {
    if (!s.heapSnapshots) return;
    const count = readdirSync(snapDir).filter((f) => f.endsWith('.heapsnapshot')).length;
    inst.child.proc.kill('SIGUSR2');
    for (let i = 0; i < 600 && readdirSync(snapDir).filter((f) => f.endsWith('.heapsnapshot')).length === count; i += 1) await sleep(100);
    const newest = readdirSync(snapDir)
      .filter((f) => f.endsWith('.heapsnapshot'))
      .sort()
      .pop();
    if (!newest) return;
    // Written while the server's main thread is blocked: complete when /healthz answers again and the size holds.
    const file = path.join(snapDir, newest);
    let size = -1;
    for (let i = 0; i < 240; i += 1) {
      const answers = await fetch(`${origin}/healthz`, { signal: AbortSignal.timeout(1000) }).then(
        (r) => r.ok,
        () => false,
      );
      const now = statSync(file).size;
      if (answers && now === size && now > 0) break;
      size = now;
      await sleep(500);
    }
    snapshots.push(file);
  };

  await sleep(3000);
  const afterStart = { rss: round(memoryMb(pid).rss), heap: await heapMb(origin) };
  await snapshot();
  const samples: Array<{ t: number; phase: string; rss: number }> = [];
  const heaps: Array<{ t: number; phase: string } & NonNullable<Awaited<ReturnType<typeof heapMb>>>> = [];
  const t0 = Date.now();
  let phase = 'start';
  const sampler = setInterval(() => {
    if (alive(inst)) samples.push({ t: Math.round((Date.now() - t0) / 1000), phase, rss: round(memoryMb(pid).rss) });
  }, 1000);
  const heapSampler = setInterval(async () => {
    const h = await heapMb(origin);
    if (h) heaps.push({ t: Math.round((Date.now() - t0) / 1000), phase, ...h });
  }, 5000);
  cleanups.push(() => {
    clearInterval(sampler);
    clearInterval(heapSampler);
  });

  const rec = new Recorder(400_000);
  const rounds: Array<Record<string, unknown>> = [];
  console.log(`memory: ${s.rounds} × (${s.loadSeconds}s load + ${s.idleSeconds}s idle); RSS after start ${afterStart.rss} MB`);
  for (let r = 1; r <= s.rounds; r += 1) {
    phase = `load ${r}`;
    const end = Date.now() + s.loadSeconds * 1000;
    const until = () => Date.now() >= end || !alive(inst);
    const tokens0 = rec.tokens;
    const signIns0 = rec.signIns.filter((x) => x.ok).length;
    await Promise.all([
      tokenLoops(rec, c.token(origin), { until, concurrency: s.tokenConcurrency, maxRequests: 150_000 }),
      signInLoops(rec, c.signIn(origin), c.people, { until, concurrency: s.signInConcurrency, maxRequests: 10_000 }),
    ]);
    const afterLoad = { rss: round(memoryMb(pid).rss), heap: await heapMb(origin) };
    phase = `idle ${r}`;
    const idleAt = Date.now();
    await sleep(30_000);
    const idle30 = { rss: round(memoryMb(pid).rss), heap: await heapMb(origin) };
    await sleep(Math.max(0, idleAt + s.idleSeconds * 1000 - Date.now()));
    const idleEnd = { rss: round(memoryMb(pid).rss), heap: await heapMb(origin) };
    await snapshot();
    const loadPeak = Math.max(...samples.filter((x) => x.phase === `load ${r}`).map((x) => x.rss));
    const round_ = {
      round: r,
      tokens: rec.tokens - tokens0,
      signIns: rec.signIns.filter((x) => x.ok).length - signIns0,
      peakRssMb: loadPeak,
      afterLoad,
      idleAfter30s: idle30,
      idleAtEnd: idleEnd,
    };
    rounds.push(round_);
    console.log(
      `  round ${r}: ${round_.tokens} tokens, ${round_.signIns} sign-ins; RSS peak ${loadPeak} MB, ` +
        `after load ${afterLoad.rss} MB, idle 30 s ${idle30.rss} MB, idle ${s.idleSeconds} s ${idleEnd.rss} MB; ` +
        `heap used ${afterLoad.heap?.heapUsed} → ${idleEnd.heap?.heapUsed} MB`,
    );
  }
  clearInterval(sampler);
  clearInterval(heapSampler);
  const peak = Math.max(...samples.map((x) => x.rss));
  let heapGrowth: ReturnType<typeof growth> | undefined;
  if (snapshots.length >= 2) {
    try {
      heapGrowth = growth(snapshots[snapshots.length - 2], snapshots[snapshots.length - 1]);
    } catch (e) {
      console.error(`  heap snapshots could not be compared: ${(e as Error).message}`);
    }
  }
  if (heapGrowth) {
    console.log(`  heap objects that grew most between the last two snapshots (idle ${s.rounds - 1} → idle ${s.rounds}):`);
    for (const g of heapGrowth.slice(0, 12)) {
      console.log(`    ${g.delta >= 0 ? '+' : ''}${g.delta} × ${g.name} (${g.after} now, ${round(g.sizeDelta / 1024)} KB)`);
    }
  }
  const report = {
    settings: s,
    survived: alive(inst),
    afterStart,
    peakRssMb: peak,
    highWaterMarkMb: alive(inst) ? round(memoryMb(pid).hwm) : undefined,
    rounds,
    answers: byStatus(rec.answers),
    heapGrowth: heapGrowth?.slice(0, 25),
    rssSamples: samples,
    heapSamples: heaps,
  };
  console.log(`  RSS after start ${afterStart.rss} MB, peak ${peak} MB; answers ${JSON.stringify(report.answers)}`);
  await inst.child.stop();
  return report;
}
