/**
 * Key rotation under load across two instances (behind the soak proxy, oidc.keyRefreshSeconds 5): a
 * relying party that caches the JWKS (jose's createRemoteJWKSet with its defaults: cached 10 minutes,
 * refetched for an unknown kid at most every 30 s) verifies every access token and ID token issued while
 * the operator CLI rotates the signing keys twice (`wayfinder keys rotate`): at SOAK_ROTATE_AT (8 s) the
 * active key becomes the next key the RP has already cached; at SOAK_ROTATE_AGAIN_AT (40 s, past jose's
 * cooldown) a key published after the RP's fetch becomes active, so the RP must refetch on the unknown kid.
 * Reports failed verifications (target 0), tokens verified per kid, and JWKS fetches.
 */
import { createRemoteJWKSet, customFetch, decodeProtectedHeader, jwtVerify } from 'jose';
import { freePort } from '../lib/processes.js';
import { cluster, type Cleanups } from './cluster.js';
import { startProxy } from './proxy.js';
import { byStatus, Recorder, signInLoops, tokenLoops } from './traffic.js';

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function rotationScenario(cleanups: Cleanups) {
  const s = {
    seconds: num('SOAK_ROTATION_SECONDS', 50),
    rotateAt: num('SOAK_ROTATE_AT', 8),
    rotateAgainAt: num('SOAK_ROTATE_AGAIN_AT', 40),
    tokenConcurrency: num('SOAK_TOKEN_CONCURRENCY', 4),
    signInConcurrency: 1,
    keyRefreshSeconds: 5,
  };
  const c = await cluster(cleanups, { keyRefreshSeconds: s.keyRefreshSeconds });
  const ports = [await freePort(), await freePort()];
  const proxy = await startProxy(ports);
  cleanups.push(() => proxy.close());
  const origin = `http://127.0.0.1:${proxy.port}`;
  const instances = [await c.start('a', ports[0], origin)];
  // One after the other: two instances bootstrapping a fresh database at once race on the same rows
  // ("duplicate key value violates unique constraint users_email_norm_key" kills one).
  instances.push(await c.start('b', ports[1], origin));

  const discovery = (await (await fetch(`${origin}/.well-known/openid-configuration`)).json()) as { jwks_uri: string };
  let jwksFetches = 0;
  const jwks = createRemoteJWKSet(new URL(discovery.jwks_uri), {
    [customFetch]: (url, options) => {
      jwksFetches += 1;
      return fetch(url, options);
    },
  });
  const verified: Record<string, number> = {};
  const failures: Record<string, number> = {};
  const verify = (audience: string) => async (jwt: string) => {
    const kid = String(decodeProtectedHeader(jwt).kid);
    try {
      await jwtVerify(jwt, jwks, { issuer: origin, audience });
      verified[kid] = (verified[kid] ?? 0) + 1;
    } catch (e) {
      const key = `${(e as { code?: string }).code ?? (e as Error).name} (kid ${kid})`;
      failures[key] = (failures[key] ?? 0) + 1;
    }
  };

  const rec = new Recorder();
  const t0 = Date.now();
  const end = t0 + s.seconds * 1000;
  const until = () => Date.now() >= end;
  console.log(`rotation: ${s.seconds}s of traffic over two instances, keys rotated at ${s.rotateAt}s and ${s.rotateAgainAt}s`);
  const load = Promise.all([
    tokenLoops(rec, c.token(origin), { until, concurrency: s.tokenConcurrency, maxRequests: 200_000 }, verify(c.token(origin).resource)),
    signInLoops(rec, c.signIn(origin), c.people, { until, concurrency: s.signInConcurrency, maxRequests: 5_000 }, verify('soak-login')),
  ]);
  const rotations: Array<{ atSeconds: number; output: string; error?: string }> = [];
  const rotate = async () => {
    const at = Math.round((Date.now() - t0) / 100) / 10;
    try {
      const output = await c.cli(['keys', 'rotate']);
      rotations.push({ atSeconds: at, output: output.trim().split('\n').slice(0, 3).join(' | ') });
      console.log(`  ${at}s: keys rotated: ${output.trim().split('\n')[1]?.trim()}`);
    } catch (e) {
      rotations.push({ atSeconds: at, output: '', error: (e as Error).message.slice(0, 400) });
      console.error(`  ${at}s: keys rotate failed: ${(e as Error).message.slice(0, 400)}`);
    }
  };
  await sleep(s.rotateAt * 1000);
  await rotate();
  await sleep(Math.max(0, t0 + s.rotateAgainAt * 1000 - Date.now()));
  await rotate();
  await load;
  for (const inst of instances) await inst.child.stop();

  const failed = Object.values(failures).reduce((a, b) => a + b, 0);
  const report = {
    settings: s,
    rotations,
    verified,
    failedVerifications: failed,
    failures,
    jwksFetches,
    tokensIssued: rec.tokens,
    signIns: { ok: rec.signIns.filter((r) => r.ok).length, failed: rec.signIns.filter((r) => !r.ok).length },
    answers: byStatus(rec.answers),
  };
  console.log(
    `  verified ${JSON.stringify(verified)}; failed verifications ${failed} ${JSON.stringify(failures)}; ` +
      `JWKS fetched ${jwksFetches} times`,
  );
  console.log(
    `  tokens issued ${rec.tokens}, sign-ins ok ${report.signIns.ok}, failed ${report.signIns.failed}; ` +
      `answers ${JSON.stringify(report.answers)}`,
  );
  return report;
}
