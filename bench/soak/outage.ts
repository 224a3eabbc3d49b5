/**
 * Database outage: token (client credentials) and sign-in traffic against one instance for SOAK_SECONDS
 * (30); after SOAK_OUTAGE_AT (10) seconds the private Postgres is stopped (pg_ctl stop -m fast, which
 * terminates every pooled connection "due to administrator command") for SOAK_OUTAGE_SECONDS (10), then
 * started again. Reports answers by status before, during and after the outage (expected: only 503 during,
 * never 500), whether the process survived, the time from Postgres being back to /readyz answering 200 and
 * to the first issued token, the log lines written meanwhile, and rows before/after against the 2xx
 * answers (sign-ins that reached the app vs login.success audit events and authorization codes).
 */
import { freePort } from '../lib/processes.js';
import { alive, cluster, diff, rowBytes, rowCounts, type Cleanups } from './cluster.js';
import { byStatus, failedSignIns, Recorder, signInLoops, tokenLoops } from './traffic.js';

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function pollReady(origin: string, timeoutMs: number, stillAlive: () => boolean) {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs && stillAlive()) {
    const ok = await fetch(`${origin}/readyz`, { signal: AbortSignal.timeout(1000) }).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return Date.now() - t0;
    await sleep(20);
  }
  return null;
}

export async function outageScenario(cleanups: Cleanups) {
  const s = {
    seconds: num('SOAK_SECONDS', 30),
    outageAt: num('SOAK_OUTAGE_AT', 10),
    outageSeconds: num('SOAK_OUTAGE_SECONDS', 10),
    tokenConcurrency: num('SOAK_TOKEN_CONCURRENCY', 4),
    signInConcurrency: num('SOAK_SIGNIN_CONCURRENCY', 2),
  };
  const c = await cluster(cleanups);
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const inst = await c.start('wayfinder', port, origin);
  const before = await rowCounts(c.databaseUrl);
  const rec = new Recorder();
  const t0 = Date.now();
  const end = t0 + s.seconds * 1000;
  const until = () => Date.now() >= end;
  console.log(`outage: ${s.seconds}s of traffic, Postgres stopped at ${s.outageAt}s for ${s.outageSeconds}s`);
  const load = Promise.all([
    tokenLoops(rec, c.token(origin), { until, concurrency: s.tokenConcurrency, maxRequests: 100_000 }),
    signInLoops(rec, c.signIn(origin), c.people, { until, concurrency: s.signInConcurrency, maxRequests: 5_000 }),
  ]);
  await sleep(s.outageAt * 1000);
  const linesBefore = inst.lines.count;
  const downAt = Date.now();
  await c.pg.stop('fast');
  console.log(`  Postgres stopped (${Date.now() - downAt} ms)`);
  await sleep(s.outageSeconds * 1000 - (Date.now() - downAt));
  const startAt = Date.now();
  await c.pg.start();
  const upAt = Date.now();
  console.log(`  Postgres started again (${upAt - startAt} ms)`);
  const readyMs = await pollReady(origin, 30_000, () => alive(inst));
  await load;
  const linesDuringAndAfter = inst.lines.count - linesBefore;
  await sleep(1000);
  const survived = alive(inst);
  const after = await rowCounts(c.databaseUrl);
  const bytesPerRow = await rowBytes(c.databaseUrl);

  const firstToken = rec.answers.find((a) => a.kind === 'token' && a.status === 200 && a.at >= upAt);
  const reachedApp = rec.signIns.filter((r) => r.ok || r.step === 'token').length;
  const okSignIns = rec.signIns.filter((r) => r.ok).length;
  const rows = { oidcModels: diff(after.oidcModels, before.oidcModels), auditEvents: diff(after.auditEvents, before.auditEvents) };
  const all = byStatus(rec.answers);
  const report = {
    settings: s,
    survived,
    exit: survived
      ? undefined
      : { code: inst.child.proc.exitCode, signal: inst.child.proc.signalCode, tail: inst.child.tail().split('\n').slice(-8) },
    answers: {
      all,
      beforeOutage: byStatus(rec.answers, t0, downAt),
      duringOutage: byStatus(rec.answers, downAt, upAt),
      afterOutage: byStatus(rec.answers, upAt),
      status500: all['500'] ?? 0,
      non503DuringOutage: Object.entries(byStatus(rec.answers, downAt, upAt))
        .filter(([k]) => k !== '503')
        .reduce((n, [, v]) => n + v, 0),
    },
    recovery: {
      readyzMsAfterPostgresStarted: readyMs,
      firstTokenMsAfterPostgresStarted: firstToken ? firstToken.at - upAt : null,
      postgresStartMs: upAt - startAt,
    },
    logLinesDuringAndAfterOutage: linesDuringAndAfter,
    logSample: inst.lines.sample,
    tokens: { issued: rec.tokens },
    signIns: { ok: okSignIns, reachedApp, failed: failedSignIns(rec.signIns) },
    rows,
    bytesPerRow,
    writes: {
      loginSuccessEvents: rows.auditEvents['login.success'] ?? 0,
      signInsThatReachedTheApp: reachedApp,
      authorizationCodes: rows.oidcModels.AuthorizationCode ?? 0,
      consistent: (rows.auditEvents['login.success'] ?? 0) === reachedApp && (rows.oidcModels.AuthorizationCode ?? 0) === reachedApp,
    },
  };
  console.log(
    `  answers before ${JSON.stringify(report.answers.beforeOutage)}, during ${JSON.stringify(report.answers.duringOutage)}, ` +
      `after ${JSON.stringify(report.answers.afterOutage)}`,
  );
  console.log(
    `  500s: ${report.answers.status500}; non-503 during the outage: ${report.answers.non503DuringOutage}; ` +
      `process ${survived ? 'survived' : `DIED (${inst.child.proc.exitCode ?? inst.child.proc.signalCode})`}`,
  );
  console.log(
    `  recovery after Postgres was back: /readyz ${readyMs ?? 'never'} ms, ` +
      `first token ${report.recovery.firstTokenMsAfterPostgresStarted ?? 'never'} ms`,
  );
  console.log(`  log lines from the outage on: ${linesDuringAndAfter}`);
  console.log(
    `  sign-ins ok ${okSignIns}, reached the app ${reachedApp}; login.success events +${report.writes.loginSuccessEvents}, ` +
      `authorization codes +${report.writes.authorizationCodes} (${report.writes.consistent ? 'consistent' : 'MISMATCH'}); ` +
      `tokens issued ${rec.tokens}`,
  );
  return report;
}
