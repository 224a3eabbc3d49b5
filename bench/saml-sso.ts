/**
 * Benchmark: SAML SSO responses per second for a signed-in person, against the raw samlify signing
 * rate for the same response, measured in one run.
 *
 * Wayfinder runs as a child process as production runs it (compiled dist/, plain node, NODE_ENV=production)
 * on a fresh Postgres database (bench/lib), with
 * one bootstrapped person and one SP (unsigned AuthnRequests; responses signed like the default:
 * assertion and response, RSA-SHA256, exclusive c14n). The person signs in once (email, password);
 * then BENCH_CONCURRENCY loops each run, back to back, with the session cookie, every step checked:
 *   GET /saml/sso?SAMLRequest=… (a fresh request ID each time) → 303 /auth (first-party client, the
 *   session answers) → 303 /saml/callback?code=… → 200, the auto-post page with the signed SAMLResponse.
 * One response is verified by @node-saml/node-saml (signatures, audience, issuer, InResponseTo).
 *
 * The raw rate: samlify's IdentityProvider.createLoginResponse in a loop for the same response (same
 * XML content through customTagReplacement, the SP wanting signed assertions and messages, an RSA-2048
 * key), in a child process (this file with BENCH_ROLE=raw: a fresh Node process like the server, with
 * nothing of the load generator beside it), just before and just after the SSO run; their mean is the
 * reference. Target: SSO/s ≥ 0.7 × raw/s. Also reported: server CPU time per SSO against raw CPU time
 * per response (less sensitive to other work on a shared machine). Writes bench/reports/saml-sso.json.
 *
 * Knobs (environment): BENCH_SECONDS (20), BENCH_ROUNDS (5), BENCH_WARMUP_SECONDS (15),
 * BENCH_CONCURRENCY (8), BENCH_RAW_SECONDS (10), BENCH_MAX_SSO per round (20000), BENCH_STEP_SAMPLES (40), DATABASE_URL (else a
 * throwaway local database), BENCH_CPU_PROF=1 (server CPU profile into bench/reports/profiles/wayfinder-saml/).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const TARGET = 0.7;

// ---------------------------------------------------------------------------------------------------
// The raw child (BENCH_ROLE=raw): samlify createLoginResponse for BENCH_RAW_SECONDS, one JSON line out.
async function rawChild() {
  const { samlify } = await import('../src/saml/lib.js');
  const { responseXml } = await import('../src/saml/assertion.js');
  const { sampleMessages } = await import('./lib/saml-messages.js');
  const { SP_ACS, SP_ENTITY } = await import('./lib/saml-sso-load.js');
  const { key, certificate } = await sampleMessages();
  const POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';
  const idp = samlify().IdentityProvider({
    entityID: 'https://id.bench.test/saml/metadata',
    privateKey: key.privateKey,
    signingCert: certificate,
    singleSignOnService: [{ Binding: POST, Location: 'https://id.bench.test/saml/sso' }],
  });
  const sp = samlify().ServiceProvider({
    entityID: SP_ENTITY,
    wantAssertionsSigned: true,
    wantMessageSigned: true,
    assertionConsumerService: [{ Binding: POST, Location: SP_ACS }],
  });
  const spLike = { entityId: SP_ENTITY, settings: { sign: 'both' } } as never;
  const attributes = (email: string) => [
    { name: 'email', nameFormat: 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic', values: [email] },
    { name: 'name', nameFormat: 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic', values: ['Bench Person'] },
  ];
  const one = async () => {
    const id = `_${randomBytes(20).toString('hex')}`;
    const xml = responseXml({
      issuer: 'https://id.bench.test/saml/metadata',
      sp: spLike,
      acsUrl: SP_ACS,
      inResponseTo: id,
      lifetimeSeconds: 300,
      clockSkewSeconds: 60,
      assertion: {
        nameId: `wf-${randomBytes(18).toString('base64url')}`,
        nameIdFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
        sessionIndex: `_${randomBytes(20).toString('hex')}`,
        authnInstant: new Date(),
        authnContext: 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport',
        attributes: attributes('bench@example.test'),
      },
    });
    const made = await idp.createLoginResponse(
      sp,
      { extract: { request: { id } } },
      'post',
      {},
      { customTagReplacement: () => ({ id, context: xml }) },
    );
    if (!Buffer.from(made.context, 'base64').toString().includes('<ds:SignatureValue>')) throw new Error('raw: unsigned response');
  };
  for (let i = 0; i < 50; i++) await one(); // warm-up
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < num('BENCH_RAW_SECONDS', 10) * 1000) {
    await one();
    n += 1;
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(
    `${JSON.stringify({ responses: n, seconds, perSecond: n / seconds, cpuMsPerResponse: (cpu.user + cpu.system) / 1000 / n })}\n`,
  );
}

function raw(): Promise<{ responses: number; seconds: number; perSecond: number; cpuMsPerResponse: number }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'bench/saml-sso.ts'],
      { cwd: root, env: { ...process.env, BENCH_ROLE: 'raw', NODE_ENV: 'production' }, timeout: 300_000 },
      (err, stdout, stderr) =>
        err ? reject(new Error(`raw child failed: ${stderr || err.message}`)) : resolve(JSON.parse(stdout.trim().split('\n').pop()!)),
    );
  });
}

// ---------------------------------------------------------------------------------------------------
async function main(cleanups: Array<() => Promise<void> | void>) {
  const { benchDatabase } = await import('./lib/database.js');
  const { buildWayfinder, cpuMs, freePort, startNode, waitReady } = await import('./lib/processes.js');
  const { signedInCookies, ssoLoad, ssoOnce, SP_ACS, SP_ENTITY } = await import('./lib/saml-sso-load.js');
  const { SAML, ValidateInResponseTo } = await import('@node-saml/node-saml');
  const settings = {
    seconds: num('BENCH_SECONDS', 20),
    rounds: num('BENCH_ROUNDS', 5),
    warmupSeconds: num('BENCH_WARMUP_SECONDS', 15),
    concurrency: num('BENCH_CONCURRENCY', 8),
    rawSeconds: num('BENCH_RAW_SECONDS', 10),
    maxPerRound: num('BENCH_MAX_SSO', 20000),
  };
  const loadAtStart = os.loadavg().map((x) => round(x, 2));
  if (loadAtStart[0] > 1)
    console.warn(
      `WARNING load average is ${loadAtStart[0]} before the start: other work shares the ${os.cpus().length} cores, figures will be noisy`,
    );

  const tmp = mkdtempSync(path.join(os.tmpdir(), 'wayfinder-saml-bench-'));
  cleanups.push(() => rmSync(tmp, { recursive: true, force: true }));
  const db = await benchDatabase();
  cleanups.push(() => db.drop());
  const email = 'bench@example.test';
  const password = randomBytes(12).toString('base64url');
  writeFileSync(
    path.join(tmp, 'sp.xml'),
    `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="${SP_ENTITY}"><md:SPSSODescriptor AuthnRequestsSigned="false" WantAssertionsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat><md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${SP_ACS}" index="0" isDefault="true"/></md:SPSSODescriptor></md:EntityDescriptor>`,
  );
  const bootstrap = path.join(tmp, 'bootstrap.yaml');
  writeFileSync(
    bootstrap,
    [
      'users:',
      `  - { email: ${email}, password: "${password}", name: Bench Person }`,
      'saml_service_providers:',
      '  - metadata_file: sp.xml',
      '    display_name: Bench SP',
      '    attributes: { email: email, name: name }',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const profDir = path.join(root, 'bench/reports/profiles/wayfinder-saml');
  const wayfinder = startNode(
    'wayfinder',
    buildWayfinder(),
    {
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
    },
    process.env.BENCH_CPU_PROF === '1' ? ['--cpu-prof', '--cpu-prof-dir', profDir] : [],
  );
  await waitReady(wayfinder, `${base}/readyz`);

  // Sign in once, then check one response with an independent SP implementation.
  const { cookie } = await signedInCookies(base, email, password);
  const idpCert = [...(await (await fetch(`${base}/saml/metadata`)).text()).matchAll(/<(?:ds:)?X509Certificate>([^<]+)</g)].map((m) =>
    m[1].replace(/\s+/g, ''),
  );
  const sample = await ssoOnce(base, cookie);
  const checker = new SAML({
    issuer: SP_ENTITY,
    callbackUrl: SP_ACS,
    audience: SP_ENTITY,
    idpCert,
    idpIssuer: `${base}/saml/metadata`,
    wantAssertionsSigned: true,
    wantAuthnResponseSigned: true,
    validateInResponseTo: ValidateInResponseTo.never,
  });
  const { profile } = await checker.validatePostResponseAsync({ SAMLResponse: sample.response });
  const xml = Buffer.from(sample.response, 'base64').toString();
  if (profile?.email !== email || !xml.includes(`InResponseTo="${sample.id}"`) || (xml.match(/<ds:Signature /g) ?? []).length !== 2)
    throw new Error('the sample response is not what it should be');
  console.log(`sample response OK (${xml.length} bytes, 2 signatures, verified by node-saml)`);

  const warm = await ssoLoad(base, cookie, {
    seconds: settings.warmupSeconds,
    concurrency: settings.concurrency,
    max: settings.maxPerRound,
  });
  console.log(`warm-up: ${round(warm.sso / warm.seconds)} SSO/s`);
  // Where the server's CPU goes: SSOs one at a time, the server's CPU time read around each request.
  const stepCpu = [0, 0, 0];
  const samples = num('BENCH_STEP_SAMPLES', 40);
  for (let i = 0; i < samples; i++) {
    let last = 0;
    await ssoOnce(base, cookie, (step) => {
      const now = cpuMs(wayfinder.pid);
      if (step > 0) stepCpu[step - 1] += now - last;
      last = now;
    });
  }
  const steps = { sso: round(stepCpu[0] / samples, 2), auth: round(stepCpu[1] / samples, 2), callback: round(stepCpu[2] / samples, 2) };
  if (samples)
    console.log(
      `server CPU per step, one SSO at a time: /saml/sso ${steps.sso} ms, /auth ${steps.auth} ms, /saml/callback ${steps.callback} ms`,
    );

  const rawBefore = await raw();
  console.log(`raw samlify (before): ${round(rawBefore.perSecond)} responses/s, ${round(rawBefore.cpuMsPerResponse, 2)} CPU ms each`);
  const runs: Array<{
    ssoPerSecond: number;
    cpuMsPerSso: number;
    loadGeneratorCpuMsPerSso: number;
    sso: number;
    seconds: number;
    p50: number;
    p99: number;
    failures: number;
  }> = [];
  for (let r = 1; r <= settings.rounds; r++) {
    const before = cpuMs(wayfinder.pid);
    const mine = process.cpuUsage();
    const result = await ssoLoad(base, cookie, { seconds: settings.seconds, concurrency: settings.concurrency, max: settings.maxPerRound });
    const own = process.cpuUsage(mine);
    const run = {
      ssoPerSecond: round(result.sso / result.seconds),
      cpuMsPerSso: round((cpuMs(wayfinder.pid) - before) / result.sso, 2),
      loadGeneratorCpuMsPerSso: round((own.user + own.system) / 1000 / result.sso, 2),
      sso: result.sso,
      seconds: round(result.seconds, 2),
      p50: result.p50,
      p99: result.p99,
      failures: result.failures,
    };
    runs.push(run);
    console.log(
      `run ${r}: ${run.ssoPerSecond} SSO/s  ${run.cpuMsPerSso} server CPU ms/SSO (load generator ${run.loadGeneratorCpuMsPerSso})  p50 ${run.p50} ms  p99 ${run.p99} ms  (${run.sso} in ${run.seconds}s${run.failures ? `, ${run.failures} FAILED: ${result.firstError}` : ''})`,
    );
  }
  const rawAfter = await raw();
  console.log(`raw samlify (after):  ${round(rawAfter.perSecond)} responses/s, ${round(rawAfter.cpuMsPerResponse, 2)} CPU ms each`);

  const rawRate = (rawBefore.perSecond + rawAfter.perSecond) / 2;
  const rawCpu = (rawBefore.cpuMsPerResponse + rawAfter.cpuMsPerResponse) / 2;
  const ssoRate = median(runs.map((r) => r.ssoPerSecond));
  const ssoCpu = median(runs.map((r) => r.cpuMsPerSso));
  const failures = runs.reduce((a, r) => a + r.failures, 0);
  const report = {
    benchmark:
      'SAML SSO responses/s for a signed-in person (over HTTP, Postgres) vs raw samlify createLoginResponse rate for the same response',
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    loadAverage: { atStart: loadAtStart, atEnd: os.loadavg().map((x) => round(x, 2)) },
    database: db.created ? 'fresh local Postgres database (dropped afterwards)' : 'DATABASE_URL',
    settings,
    raw: { perSecond: round(rawRate), cpuMsPerResponse: round(rawCpu, 2), before: rawBefore, after: rawAfter },
    sso: { perSecond: ssoRate, cpuMsPerSso: ssoCpu, runs, cpuMsPerStep: steps },
    ratio: round(ssoRate / rawRate, 3),
    cpuRatio: round(rawCpu / ssoCpu, 3),
    target: TARGET,
    pass: ssoRate / rawRate >= TARGET && failures === 0,
    failures,
  };
  mkdirSync(path.join(root, 'bench/reports'), { recursive: true });
  writeFileSync(path.join(root, 'bench/reports/saml-sso.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log('');
  console.log(
    `raw samlify createLoginResponse  ${round(rawRate)} responses/s (mean of before ${round(rawBefore.perSecond)} and after ${round(rawAfter.perSecond)})`,
  );
  console.log(`Wayfinder SAML SSO over HTTP     ${ssoRate} SSO/s (median of ${runs.length} runs, ${settings.concurrency} concurrent)`);
  console.log(`ratio                            ${report.ratio} (target >= ${TARGET}) ${report.ratio >= TARGET ? 'OK' : 'BELOW TARGET'}`);
  console.log(
    `  CPU: ${ssoCpu} ms per SSO in the server (all threads) vs ${round(rawCpu, 2)} ms per raw response (ratio ${report.cpuRatio})`,
  );
  console.log('report: bench/reports/saml-sso.json');
  if (failures) throw new Error(`${failures} SSO failed`);
}

if (process.env.BENCH_ROLE === 'raw') {
  await rawChild();
} else {
  const { runBenchmark } = await import('./lib/processes.js');
  await runBenchmark(main);
}
