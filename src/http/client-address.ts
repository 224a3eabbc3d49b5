/**
 * The one place that decides who the client is. Rules:
 * - without TRUST_PROXY the client is the TCP peer; X-Forwarded-For is ignored;
 * - with TRUST_PROXY, X-Forwarded-For is read from the right, never from the left (anyone can write the
 *   left part): with TRUST_PROXY_CIDRS the client is the rightmost address (the TCP peer included) that is
 *   not one of the trusted proxies — and a peer outside them is the client itself; otherwise the client is
 *   the address TRUST_PROXY_HOPS entries from the right (1: the one the proxy appended).
 * The middleware stores the answer as ctx.ip, which throttles, the audit log, sessions, push requests and
 * oidc-provider all read.
 */
import net from 'node:net';
import type { Context, Next } from 'koa';

export interface ProxyTrust {
  trustProxy: boolean;
  trustProxyHops: number;
  trustProxyCidrs: string[];
}

/** '::ffff:10.0.0.1' → '10.0.0.1'; anything that is not an IP address → undefined. */
function normalize(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  let a = raw.trim();
  if (a.startsWith('['))
    a = a.slice(1, a.indexOf(']') > 0 ? a.indexOf(']') : undefined); // [v6]:port
  else if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(a)) a = a.slice(0, a.lastIndexOf(':')); // v4:port
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  if (mapped) a = mapped[1];
  return net.isIP(a) ? a : undefined;
}

function blockList(cidrs: string[]): net.BlockList {
  const list = new net.BlockList();
  for (const entry of cidrs) {
    const [address, bits] = entry.split('/');
    const a = normalize(address);
    if (!a) throw new Error(`not an address or CIDR: ${entry}`);
    const type = net.isIPv6(a) ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(a, type);
    else list.addSubnet(a, Number(bits), type);
  }
  return list;
}

/** Returns a function computing the client address from the TCP peer and the X-Forwarded-For header. */
export function clientAddressResolver(trust: ProxyTrust) {
  const trusted = trust.trustProxyCidrs.length ? blockList(trust.trustProxyCidrs) : undefined;
  const isTrusted = (a: string) => trusted!.check(a, net.isIPv6(a) ? 'ipv6' : 'ipv4');

  return function clientAddress(peer: string | undefined, forwardedFor: string | undefined): string {
    const socket = normalize(peer) ?? peer ?? '';
    if (!trust.trustProxy || !forwardedFor) return socket;
    const chain = forwardedFor
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (trusted) {
      if (!socket || !isTrusted(socket)) return socket; // not from our proxy: its header means nothing
      for (let i = chain.length - 1; i >= 0; i -= 1) {
        const a = normalize(chain[i]);
        if (!a) return socket; // garbage where a proxy address should be: fall back to what we know
        if (!isTrusted(a)) return a;
      }
      return normalize(chain[0]) ?? socket;
    }
    const index = Math.max(0, chain.length - trust.trustProxyHops);
    return normalize(chain[index]) ?? socket;
  };
}

/** Koa middleware: sets ctx.ip (koa's setter) once, at the start of the request. */
export function clientAddressMiddleware(trust: ProxyTrust) {
  const resolve = clientAddressResolver(trust);
  return async function clientAddress(ctx: Context, next: Next) {
    ctx.request.ip = resolve(ctx.req.socket.remoteAddress, ctx.get('X-Forwarded-For') || undefined);
    await next();
  };
}
