import type { WebSocket } from 'ws';

/** Close codes this server uses besides the protocols' own; `docs/` lists them for clients. */
export const CloseCodes = {
  goingAway: 1001,
  /** The client left more than the limit unread: it should reconnect and resume. */
  tooSlow: 1008,
  sessionEnded: 4403,
  tooManyConnections: 4429,
} as const;

/** How long a closing handshake may take before the connection is cut. */
const CLOSE_GRACE_MS = 2_000;

/**
 * Closes with `code`, and cuts the connection if the peer does not finish the
 * closing handshake soon: a client that stopped reading never will, and ws
 * would otherwise hold its buffers for 30 s.
 */
export function closeSocket(socket: WebSocket, code: number, reason: string) {
  if (socket.readyState === socket.CLOSED) return;
  socket.close(code, reason);
  setTimeout(() => socket.terminate(), CLOSE_GRACE_MS).unref();
}

/**
 * Sends a frame and resolves once it is handed to the operating system, so a
 * producer that awaits it goes no faster than the client reads. A socket whose
 * unsent backlog passes `maxBufferedBytes` is closed as too slow: that bounds
 * what one client can pin in memory, whatever it subscribed to.
 */
export function sendWithFlowControl(
  socket: WebSocket,
  data: string,
  maxBufferedBytes: number,
): Promise<void> {
  if (socket.readyState !== socket.OPEN) return Promise.resolve();
  return new Promise((sent) => {
    socket.send(data, () => sent());
    if (socket.bufferedAmount > maxBufferedBytes) {
      closeSocket(socket, CloseCodes.tooSlow, 'Too slow: the client stopped reading');
      sent();
    }
  });
}

/**
 * Pings every `intervalMs` and cuts a connection that did not answer the
 * previous ping: dead peers and half-open connections do not hold sockets.
 */
export function keepAlive(socket: WebSocket, intervalMs: number) {
  let answered = true;
  socket.on('pong', () => (answered = true));
  const timer = setInterval(() => {
    if (!answered) return socket.terminate();
    answered = false;
    socket.ping();
  }, intervalMs);
  timer.unref();
  socket.once('close', () => clearInterval(timer));
}
