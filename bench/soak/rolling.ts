/**
 * Rolling restart: two instances on the one private Postgres behind the soak proxy (round-robin, retries
 * on connection refused, reset of a reused socket, or 503). Under token and sign-in load through the
 * proxy: SIGTERM instance a, start it again on the same port, then the same for b. Reports failed sign-ins
 * and token requests as the clients saw them (target 0), the proxy's retries, and each instance's drain
 * time (SIGTERM to exit) and start time (spawn to /readyz 200).
 */
import { freePort } from '../lib/processes.js';
import { cluster, type Cleanups, type Instance } from './cluster.js';
import { startProxy } from './proxy.js';
import { byStatus, failedSignIns, Recorder, signInLoops, tokenLoops } from './traffic.js';

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function rollingScenario(cleanups: Cleanups) {
  const s = {
    settleSeconds: num('SOAK_ROLLING_SETTLE', 4),
    tokenConcurrency: num('SOAK_TOKEN_CONCURRENCY', 4),
    signInConcurrency: num('SOAK_SIGNIN_CONCURRENCY', 2),
    maxSeconds: num('SOAK_ROLLING_MAX_SECONDS', 120),
    proxyKeepAlive: process.env.SOAK_PROXY_KEEPALIVE === '1',
  };
  const c = await cluster(cleanups);
  const ports = [await freePort(), await freePort()];
  const proxy = await startProxy(ports);
  cleanups.push(() => proxy.close());
  const origin = `http://127.0.0.1:${proxy.port}`;
  const instances: Instance[] = [await c.start('a', ports[0], origin)];
  // One after the other: two instances bootstrapping a fresh database at once race on the same rows
  // ("duplicate key value violates unique constraint users_email_norm_key" kills one).
  instances.push(await c.start('b', ports[1], origin));
  console.log(`rolling: instances a :${ports[0]} and b :${ports[1]} behind the proxy :${proxy.port}`);

  const rec = new Recorder();
  let done = false;
  const hardStop = Date.now() + s.maxSeconds * 1000;
  const until = () => done || Date.now() >= hardStop;
  const t0 = Date.now();
  const load = Promise.all([
    tokenLoops(rec, c.token(origin), { until, concurrency: s.tokenConcurrency, maxRequests: 200_000 }),
    signInLoops(rec, c.signIn(origin), c.people, { until, concurrency: s.signInConcurrency, maxRequests: 10_000 }),
  ]);
  const restarts: Array<{ instance: string; drainMs: number; startMs: number; exit: string }> = [];
  try {
    await sleep(s.settleSeconds * 1000);
    for (const [i, inst] of instances.entries()) {
      const t = Date.now();
      await inst.child.stop();
      const drainMs = Date.now() - t;
      const exit = String(inst.child.proc.exitCode ?? inst.child.proc.signalCode);
      const t2 = Date.now();
      instances[i] = await c.start(inst.name, inst.port, origin);
      restarts.push({ instance: inst.name, drainMs, startMs: Date.now() - t2, exit });
      console.log(`  ${inst.name}: SIGTERM → exit ${exit} in ${drainMs} ms; started again, ready in ${Date.now() - t2} ms`);
      await sleep(s.settleSeconds * 1000);
    }
  } finally {
    done = true;
    await load;
  }
  const seconds = (Date.now() - t0) / 1000;
  const tokenAnswers = rec.answers.filter((a) => a.kind === 'token');
  const failedTokens = rec.answers.filter((a) => a.kind === 'token' && a.status !== 200).length;
  const report = {
    settings: s,
    seconds: Math.round(seconds * 10) / 10,
    restarts,
    answers: byStatus(rec.answers),
    tokenRequests: { total: tokenAnswers.length, failed: failedTokens, byStatus: byStatus(tokenAnswers) },
    signIns: {
      total: rec.signIns.length,
      ok: rec.signIns.filter((r) => r.ok).length,
      failed: rec.signIns.filter((r) => !r.ok).length,
      failures: failedSignIns(rec.signIns),
    },
    proxy: proxy.stats,
  };
  console.log(`  token requests ${report.tokenRequests.total}, failed ${failedTokens} ${JSON.stringify(report.tokenRequests.byStatus)}`);
  console.log(`  sign-ins ${report.signIns.total}, failed ${report.signIns.failed} ${JSON.stringify(report.signIns.failures)}`);
  const { requests, retried, failed } = proxy.stats;
  console.log(`  proxy: ${requests} requests, ${retried} retries, gave up on ${JSON.stringify(failed)}`);
  for (const inst of instances) await inst.child.stop();
  return report;
}
