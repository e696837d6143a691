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
 * Pings every watched socket every `intervalMs` and cuts a connection that
 * did not answer the previous ping: dead peers and half-open connections do
 * not hold sockets. One timer for all the sockets, running while any is
 * watched, and listeners shared by all of them: an idle socket costs an entry
 * in a map, not a timer and closures of its own.
 */
export class KeepAlive {
  /** Each watched socket, and whether it answered the last ping. */
  readonly #answered = new Map<WebSocket, boolean>();
  #timer: NodeJS.Timeout | undefined;
  // ws calls a listener with the socket as `this`, so one function serves every socket.
  readonly #onPong: (this: WebSocket) => void;
  readonly #onClose: (this: WebSocket) => void;

  constructor(private readonly intervalMs: number) {
    const answered = this.#answered;
    const unwatched = () => {
      if (answered.size > 0) return;
      clearInterval(this.#timer);
      this.#timer = undefined;
    };
    this.#onPong = function () {
      if (answered.has(this)) answered.set(this, true);
    };
    this.#onClose = function () {
      answered.delete(this);
      unwatched();
    };
  }

  watch(socket: WebSocket) {
    this.#answered.set(socket, true);
    socket.on('pong', this.#onPong);
    socket.once('close', this.#onClose);
    this.#timer ??= setInterval(() => this.#ping(), this.intervalMs).unref();
  }

  #ping() {
    for (const [socket, answered] of this.#answered) {
      if (!answered) socket.terminate();
      else {
        this.#answered.set(socket, false);
        socket.ping();
      }
    }
  }
}
