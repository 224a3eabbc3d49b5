/**
 * Graceful shutdown of the HTTP server. Rules:
 * - stop accepting new connections (the listening socket closes; connections the kernel already
 *   accepted are served first: see drain());
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

/** How long queued connections are accepted after the backlog shrinks, before the listening socket closes. */
const BACKLOG_FLUSH_MS = 25;

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
    // Closing a listening socket resets the connections the kernel completed but we did not accept yet
    // (under load, most connect-per-request clients wait there). So first shrink the backlog to its
    // minimum (listen() again on the same socket: new clients wait for a SYN retry and are then refused),
    // accept what is queued for a few turns of the event loop, then close — with net.Server's close,
    // which stops listening only (http.Server.close() would also cut connections it thinks idle).
    // The last step closes once a connection was accepted — after the accept loop that took it, which
    // empties the queue (setImmediate: the check phase follows the poll phase that accepted) — or once
    // no connection came for a while. The queue holds at most one new connection meanwhile.
    (server as unknown as { _handle?: { listen?(backlog: number): number } })._handle?.listen?.(0);
    const listening = new Promise<void>((resolve) => {
      let closed = false;
      let quiet: NodeJS.Timeout | undefined;
      const close = () => {
        if (closed) return;
        closed = true;
        clearTimeout(quiet);
        server.off('connection', afterAccepting);
        net.Server.prototype.close.call(server, () => resolve());
      };
      const afterAccepting = () => setImmediate(close);
      setTimeout(() => {
        server.once('connection', afterAccepting);
        quiet = setTimeout(afterAccepting, BACKLOG_FLUSH_MS); // also after a poll phase, which accepts what is queued
      }, BACKLOG_FLUSH_MS);
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
