/**
 * A small load balancer for the rolling-restart and rotation scenarios: round-robin over the upstream
 * instances, loopback only. The request body is buffered, so a request can be retried on the other
 * instance when the first one refuses the connection, resets a reused keep-alive socket before answering
 * (safe: nothing was processed), or answers 503 (draining or database down); at most `attempts` tries with
 * a short pause between rounds. A reset after the request was sent on a fresh connection is not retried
 * (the instance may have acted on it): the client gets 502 and the scenario counts it as failed.
 * Appends X-Forwarded-For / X-Forwarded-Proto as a real proxy would.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxyStats {
  requests: number;
  retried: number;
  byUpstream: Record<string, number>;
  failed: Record<string, number>;
}

export async function startProxy(upstreams: number[], attempts = 4, keepAlive = process.env.SOAK_PROXY_KEEPALIVE === '1') {
  // Like nginx's default upstream (HTTP/1.0, no keep-alive), a connection per request unless SOAK_PROXY_KEEPALIVE=1.
  const agent = new http.Agent({ keepAlive, maxSockets: 64 });
  const stats: ProxyStats = { requests: 0, retried: 0, byUpstream: {}, failed: {} };
  let next = 0;

  type Outcome = { kind: 'answer'; res: http.IncomingMessage } | { kind: 'retry'; why: string } | { kind: 'fail'; why: string };
  const forward = (port: number, req: http.IncomingMessage, body: Buffer) =>
    new Promise<Outcome>((resolve) => {
      const xff = [req.headers['x-forwarded-for'], req.socket.remoteAddress].filter(Boolean).join(', ');
      const headers: http.OutgoingHttpHeaders = { ...req.headers, 'x-forwarded-for': xff, 'x-forwarded-proto': 'http' };
      const up = http.request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers, agent, timeout: 20_000 }, (res) => {
        if (res.statusCode === 503) {
          res.resume();
          resolve({ kind: 'retry', why: '503' });
          return;
        }
        resolve({ kind: 'answer', res });
      });
      up.on('timeout', () => up.destroy(new Error('upstream timeout')));
      up.on('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'ECONNREFUSED' || (e.code === 'ECONNRESET' && up.reusedSocket)) resolve({ kind: 'retry', why: e.code });
        else resolve({ kind: 'fail', why: e.code ?? e.message });
      });
      up.end(body);
    });

  const server = http.createServer(async (req, res) => {
    stats.requests += 1;
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    let last = 'no upstream';
    // Round-robin picks the first instance; each retry goes to the next one (not to whatever the shared
    // counter says now, which under concurrency could be the instance that just refused).
    const first = next++;
    for (let i = 0; i < attempts; i += 1) {
      if (i > 0) stats.retried += 1;
      if (i > 0 && i % upstreams.length === 0) await new Promise((r) => setTimeout(r, 250));
      const port = upstreams[(first + i) % upstreams.length];
      const out = await forward(port, req, body);
      if (out.kind === 'answer') {
        stats.byUpstream[port] = (stats.byUpstream[port] ?? 0) + 1;
        res.writeHead(out.res.statusCode ?? 502, out.res.headers);
        out.res.pipe(res);
        return;
      }
      last = out.why;
      if (out.kind === 'fail') break;
    }
    stats.failed[last] = (stats.failed[last] ?? 0) + 1;
    res.writeHead(last === '503' ? 503 : 502, { 'content-type': 'text/plain', 'retry-after': '1' });
    res.end(`proxy: ${last}\n`);
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    stats,
    async close() {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
