/**
 * Graceful shutdown of the HTTP server. Rules:
 * - stop accepting new connections (the listening socket closes once connections stop arriving, within
 *   a second: connections the kernel already completed are served first, see drain());
 * - a connection that has not sent its request yet is not "idle": it is one request in flight (a client
 *   that opens a connection per request) — it is answered, with `Connection: close`;
 * - every response from now on says `Connection: close`; a kept-alive connection that waits between
 *   requests is closed at once (its client opens a new one elsewhere);
 * - when every connection is gone the drain ends; after `graceMs` the remaining ones are cut.
 * Node's own server.close() would also close "idle" connections, and a freshly accepted connection is
 * idle to it: that dropped in-flight requests.
 */
import type http from 'node:http';
import net from 'node:net';
import type { Socket } from 'node:net';

interface SocketState {
  active: number;
  served: number;
}

/** After SIGTERM, the listening socket closes once no connection came for QUIET_MS, or after ACCEPT_WINDOW_MS. */
const QUIET_MS = 50;
const ACCEPT_WINDOW_MS = 1000;

export function trackConnections(server: http.Server) {
  const sockets = new Map<Socket, SocketState>();
  let draining = false;

  server.on('connection', (socket: Socket) => {
    sockets.set(socket, { active: 0, served: 0 });
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const state = sockets.get(req.socket);
    if (!state) return;
    state.active += 1;
    if (draining) res.setHeader('Connection', 'close');
    res.once('close', () => {
      state.active -= 1;
      state.served += 1;
      if (draining && state.active === 0) req.socket.end();
    });
  });

  /** Resolves when every connection is closed, or when `graceMs` has passed (the rest are destroyed). */
  function drain(graceMs: number): Promise<void> {
    draining = true;
    // Closing a listening socket resets the connections the kernel completed but the process has not
    // accepted yet. So connections are still accepted (and answered with Connection: close) after
    // SIGTERM until none has come for QUIET_MS, or for ACCEPT_WINDOW_MS at most (a quarter of the grace
    // at most): every connection made before SIGTERM has been taken by then. Only then does the
    // listening socket close — with net.Server's close, which stops listening only (http.Server.close()
    // would also cut connections it thinks idle: that dropped in-flight requests).
    const listening = new Promise<void>((resolve) => {
      let quiet: NodeJS.Timeout | undefined;
      const close = () => {
        clearTimeout(quiet);
        clearTimeout(latest);
        server.off('connection', arrived);
        net.Server.prototype.close.call(server, () => resolve());
      };
      const arrived = () => {
        clearTimeout(quiet);
        quiet = setTimeout(close, QUIET_MS);
      };
      const latest = setTimeout(close, Math.min(ACCEPT_WINDOW_MS, graceMs / 4));
      server.on('connection', arrived);
      arrived();
    });
    for (const [socket, state] of sockets) {
      if (state.active === 0 && state.served > 0) socket.end();
    }
    let timer: NodeJS.Timeout | undefined;
    const forced = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        for (const socket of sockets.keys()) socket.destroy();
        resolve();
      }, graceMs);
    });
    return Promise.race([listening, forced]).finally(() => clearTimeout(timer));
  }

  return {
    drain,
    get draining() {
      return draining;
    },
  };
}
