/**
 * SAML SSO load for bench/saml-sso.ts: a signed-in browser's cookies, and loops that each run
 * AuthnRequest in (HTTP-Redirect) → /auth (the Wayfinder session answers, no prompt) →
 * /saml/callback → the auto-post page holding the signed SAMLResponse, with every step checked.
 */
import { deflateRawSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { PageClient, signInWithPassword } from '../../test/helpers/browser.js';

export const SP_ENTITY = 'https://sp.bench.test/metadata';
export const SP_ACS = 'https://sp.bench.test/acs';

export function authnRequestUrl(base: string, id = `_${randomBytes(20).toString('hex')}`) {
  const xml = `<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${id}" Version="2.0" IssueInstant="${new Date().toISOString()}" Destination="${base}/saml/sso" AssertionConsumerServiceURL="${SP_ACS}" ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"><saml:Issuer>${SP_ENTITY}</saml:Issuer><samlp:NameIDPolicy Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent" AllowCreate="true"/></samlp:AuthnRequest>`;
  return { id, url: `${base}/saml/sso?SAMLRequest=${encodeURIComponent(deflateRawSync(xml).toString('base64'))}&RelayState=bench` };
}

/** Signs in once through the SAML flow (email, password); returns the browser's cookie header and the first response page. */
export async function signedInCookies(base: string, email: string, password: string) {
  const page = new PageClient(base);
  const landed = await page.get(authnRequestUrl(base).url);
  if (!landed.includes('/interaction/')) throw new Error(`expected the sign-in page, got ${landed} (${page.last.status})`);
  await signInWithPassword(page, landed, email, password);
  if (!page.last.body.includes('name="SAMLResponse"'))
    throw new Error(`no SAMLResponse after sign-in (${page.last.status} at ${page.last.url})`);
  const names = new Set(page.setCookieLog.map(({ line }) => line.slice(0, line.indexOf('='))));
  const cookie = [...names]
    .filter((n) => page.cookie(n))
    .map((n) => `${n}=${page.cookie(n)}`)
    .join('; ');
  return { cookie, page: page.last.body };
}

// Plain node:http with kept-alive connections: the load generator shares this machine's cores with
// the server, and undici's fetch costs several times more CPU per request.
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function get(url: string, cookie: string): Promise<{ status: number; location?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, headers: { cookie } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, location: res.headers.location, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`timeout: ${url}`)));
  });
}

/** One SSO with an existing session; returns the SAMLResponse (base64) or throws saying which step failed. */
export async function ssoOnce(base: string, cookie: string, between: (step: number) => void = () => {}) {
  const { id, url } = authnRequestUrl(base);
  between(0);
  const step1 = await get(url, cookie);
  if (step1.status !== 303 || !step1.location?.startsWith(`${base}/auth?`)) throw new Error(`sso: ${step1.status} → ${step1.location}`);
  between(1);
  const step2 = await get(step1.location, cookie);
  if (step2.status !== 303 || !step2.location?.startsWith(`${base}/saml/callback?code=`))
    throw new Error(`auth: ${step2.status} → ${step2.location}`);
  between(2);
  const step3 = await get(step2.location, cookie);
  between(3);
  const response = step3.status === 200 ? /name="SAMLResponse" value="([A-Za-z0-9+/=]+)"/.exec(step3.body)?.[1] : undefined;
  if (!response) throw new Error(`callback: ${step3.status}`);
  return { id, response };
}

export interface LoadResult {
  sso: number;
  failures: number;
  seconds: number;
  p50: number;
  p99: number;
  firstError?: string;
}

/** `concurrency` loops of back-to-back SSOs for `seconds` (or until `max`). */
export async function ssoLoad(
  base: string,
  cookie: string,
  opts: { seconds: number; concurrency: number; max: number },
): Promise<LoadResult> {
  const until = Date.now() + opts.seconds * 1000;
  const latencies: number[] = [];
  let failures = 0;
  let firstError: string | undefined;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      while (Date.now() < until && latencies.length + failures < opts.max && failures < 25) {
        const t = performance.now();
        try {
          await ssoOnce(base, cookie);
          latencies.push(performance.now() - t);
        } catch (e) {
          failures += 1;
          firstError ??= (e as Error).message;
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const sorted = latencies.sort((a, b) => a - b);
  const at = (p: number) => Math.round((sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN) * 10) / 10;
  return { sso: latencies.length, failures, seconds, p50: at(0.5), p99: at(0.99), firstError };
}
