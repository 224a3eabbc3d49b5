/**
 * Client-credentials load: one checked sample request, then bounded autocannon runs (time and count)
 * that fail loudly on any non-2xx answer, error or timeout.
 */
import autocannon from 'autocannon';

export interface TokenRequest {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  resource: string;
  scope: string;
}

function request(t: TokenRequest) {
  return {
    headers: {
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(t.clientId)}:${encodeURIComponent(t.clientSecret)}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource: t.resource, scope: t.scope }).toString(),
  };
}

/** One request, checked: 200, a JWT access token (at+jwt, ES256) for the resource with the scope. */
export async function checkSample(t: TokenRequest, label: string) {
  const res = await fetch(t.tokenUrl, { method: 'POST', ...request(t), signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${label}: sample token request answered ${res.status}: ${text}`);
  const json = JSON.parse(text) as { access_token?: string; token_type?: string; expires_in?: number; scope?: string };
  if (!json.access_token) throw new Error(`${label}: no access_token in ${text}`);
  const [header, payload] = json.access_token
    .split('.')
    .slice(0, 2)
    .map((p) => JSON.parse(Buffer.from(p, 'base64url').toString()));
  const problems = [
    header.alg !== 'ES256' && `alg ${header.alg}`,
    header.typ !== 'at+jwt' && `typ ${header.typ}`,
    payload.aud !== t.resource && `aud ${payload.aud}`,
    payload.scope !== t.scope && `scope ${payload.scope}`,
    payload.client_id !== t.clientId && `client_id ${payload.client_id}`,
  ].filter(Boolean);
  if (problems.length) throw new Error(`${label}: unexpected access token: ${problems.join(', ')}`);
  return { ttl: payload.exp - payload.iat, bytes: text.length, expires_in: json.expires_in };
}

export interface LoadResult {
  tokensPerSecond: number;
  requests: number;
  seconds: number;
  p50: number;
  p99: number;
}

export async function tokenLoad(
  t: TokenRequest,
  opts: { seconds: number; maxRequests: number; connections: number },
  label: string,
): Promise<LoadResult> {
  const r = await autocannon({
    url: t.tokenUrl,
    method: 'POST',
    ...request(t),
    connections: opts.connections,
    duration: opts.seconds,
    maxOverallRequests: opts.maxRequests,
    timeout: 10,
  });
  const bad = r.non2xx + r.errors + r.timeouts;
  if (bad > 0) throw new Error(`${label}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts out of ${r['2xx'] + bad}`);
  return { tokensPerSecond: r['2xx'] / r.duration, requests: r['2xx'], seconds: r.duration, p50: r.latency.p50, p99: r.latency.p99 };
}
