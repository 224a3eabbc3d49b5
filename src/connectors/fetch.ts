/**
 * Outbound HTTP for company connections (OIDC discovery, keys and tokens; SAML metadata URLs).
 * Rules:
 * - https only, unless `allowHttp` (development, tests);
 * - the address is checked when the socket connects (no DNS-rebinding window): loopback, private,
 *   link-local, shared, multicast and reserved addresses are refused unless `allowPrivateNetworks`;
 * - every request is bounded in time (`fetchTimeoutMs`, connect to last byte) and its body in size
 *   (`maxFetchBytes`, counted as it arrives); redirects are not followed (callers that want them
 *   follow a few themselves, each hop checked again).
 * The result is a standard Response, so openid-client can use this as its customFetch.
 */
import http from 'node:http';
import https from 'node:https';
import dns from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import type { Config } from '../config/schema.js';

export class FetchRefused extends Error {
  constructor(
    readonly reason: 'scheme' | 'private_address' | 'too_large' | 'timeout' | 'network' | 'status',
    message: string,
  ) {
    super(message);
  }
}

const blocked = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
  ['2001:db8::', 32],
] as const) {
  blocked.addSubnet(net, bits, 'ipv6');
}

/** True for addresses an outbound fetch must not reach unless private networks are allowed. */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return isPrivateAddress(mapped);
  const family = isIP(address);
  if (!family) return true;
  return blocked.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export type GuardedFetch = (url: string | URL, init?: RequestInit) => Promise<Response>;

export function createGuardedFetch(
  cfg: Pick<Config['federation'], 'allowHttp' | 'allowPrivateNetworks' | 'fetchTimeoutMs' | 'maxFetchBytes'>,
): GuardedFetch {
  const lookup: LookupFunction = (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 4);
      const list = addresses as dns.LookupAddress[];
      const bad = !cfg.allowPrivateNetworks && list.find((a) => isPrivateAddress(a.address));
      if (bad) return callback(new FetchRefused('private_address', `${hostname} resolves to a private address (${bad.address})`), '', 4);
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
      return callback(null, list[0].address, list[0].family);
    });
  };

  return (input, init = {}) =>
    new Promise<Response>((resolveOnce, rejectOnce) => {
      let settled = false;
      const resolve = (r: Response) => {
        if (!settled) {
          settled = true;
          resolveOnce(r);
        }
      };
      const reject = (e: unknown) => {
        if (!settled) {
          settled = true;
          rejectOnce(e);
        }
      };
      const url = new URL(String(input));
      if (url.protocol !== 'https:' && !(cfg.allowHttp && url.protocol === 'http:')) {
        return reject(new FetchRefused('scheme', `${url.origin} is not https`));
      }
      if (
        isIP(url.hostname.replace(/^\[|\]$/g, '')) &&
        !cfg.allowPrivateNetworks &&
        isPrivateAddress(url.hostname.replace(/^\[|\]$/g, ''))
      ) {
        return reject(new FetchRefused('private_address', `${url.hostname} is a private address`));
      }
      const headers = new Headers(init.headers);
      const plainHeaders: Record<string, string> = {};
      headers.forEach((value, name) => {
        plainHeaders[name] = value;
      });
      const body =
        init.body === undefined || init.body === null
          ? undefined
          : Buffer.from(init.body instanceof URLSearchParams ? init.body.toString() : String(init.body));
      if (body && !headers.has('content-type') && init.body instanceof URLSearchParams)
        plainHeaders['content-type'] = 'application/x-www-form-urlencoded';
      const req = (url.protocol === 'https:' ? https : http).request(
        url,
        {
          method: init.method ?? 'GET',
          headers: plainHeaders,
          lookup,
          timeout: cfg.fetchTimeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > cfg.maxFetchBytes) {
              reject(new FetchRefused('too_large', `the answer from ${url.origin} is larger than ${cfg.maxFetchBytes} bytes`));
              res.destroy();
              req.destroy();
              return;
            }
            chunks.push(chunk);
          });
          res.on('end', () => {
            if (settled) return;
            const h = new Headers();
            for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : v);
            const status = res.statusCode ?? 502;
            const noBody = status === 204 || status === 304;
            resolve(new Response(noBody ? null : Buffer.concat(chunks), { status, headers: h }));
          });
        },
      );
      const deadline = setTimeout(
        () => req.destroy(new FetchRefused('timeout', `${url.origin} did not answer within ${cfg.fetchTimeoutMs} ms`)),
        cfg.fetchTimeoutMs,
      );
      req.on('close', () => clearTimeout(deadline));
      req.on('timeout', () => req.destroy(new FetchRefused('timeout', `${url.origin} did not answer within ${cfg.fetchTimeoutMs} ms`)));
      req.on('error', (err) =>
        reject(err instanceof FetchRefused ? err : new FetchRefused('network', `${url.origin}: ${(err as Error).message}`)),
      );
      req.on('response', (res) =>
        res.on('error', (err) => reject(err instanceof FetchRefused ? err : new FetchRefused('network', `${url.origin}: ${err.message}`))),
      );
      init.signal?.addEventListener('abort', () => req.destroy(new FetchRefused('timeout', `${url.origin}: request aborted`)));
      req.end(body);
    });
}

/** GET with up to `hops` redirects, each checked again; non-2xx answers are refused. Returns the body text. */
export async function fetchText(fetcher: GuardedFetch, url: string, hops = 3): Promise<string> {
  let target = new URL(url);
  for (let i = 0; i <= hops; i += 1) {
    const res = await fetcher(target, { headers: { accept: 'application/samlmetadata+xml, application/xml, text/xml' } });
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      target = new URL(location, target);
      continue;
    }
    if (res.status < 200 || res.status >= 300) throw new FetchRefused('status', `${target.origin} answered ${res.status}`);
    return res.text();
  }
  throw new FetchRefused('status', `${url}: too many redirects`);
}
