import type { Viewer } from '../../domain/people.ts';

interface TrackedSocket {
  viewer: Viewer;
  close(code: number, reason: string): void;
}

/** Timers fire at once past 2^31 - 1 ms (24.8 days); a longer session is re-armed in steps. */
const MAX_TIMER_MS = 2_147_483_647;

const SESSION_ENDED = [4403, 'Session ended'] as const;

/**
 * Every open WebSocket of this instance, by session and by user: caps how
 * many one person holds, closes a session's sockets the moment it is
 * revoked (here directly, elsewhere through the bus) and when it expires.
 * Expiry is one timer for the whole instance, due at the soonest expiry of
 * any open socket, rather than a timer per socket.
 */
export class SocketRegistry {
  private readonly sockets = new Set<TrackedSocket>();
  private readonly countByUser = new Map<number, number>();
  private expiryTimer: NodeJS.Timeout | undefined;
  /** When `expiryTimer` is due (ms); Infinity when none is armed. */
  private nextExpiry = Infinity;

  constructor(
    private readonly maxPerUser: number,
    /** Told of every socket that opens and closes: presence counts them across instances. */
    private readonly presence: { opened(user: Viewer): void; closed(user: Viewer): void },
  ) {}

  /** Registers a socket; returns its release function, or null when the user is at the cap. */
  add(viewer: Viewer, close: TrackedSocket['close']): (() => void) | null {
    const count = this.countByUser.get(viewer.id) ?? 0;
    if (count >= this.maxPerUser) return null;
    const socket: TrackedSocket = { viewer, close };
    this.armExpiry(viewer.sessionExpiresAt);
    this.sockets.add(socket);
    this.countByUser.set(viewer.id, count + 1);
    this.presence.opened(viewer);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.sockets.delete(socket);
      if (this.sockets.size === 0) {
        clearTimeout(this.expiryTimer);
        this.nextExpiry = Infinity;
      }
      const left = (this.countByUser.get(viewer.id) ?? 1) - 1;
      if (left === 0) this.countByUser.delete(viewer.id);
      else this.countByUser.set(viewer.id, left);
      this.presence.closed(viewer);
    };
  }

  /**
   * Makes sure the timer fires by `at`. A socket that closes leaves the timer
   * as it is (unless it was the last): firing early finds nothing expired and
   * re-arms for the next.
   * Unref'd, so it never holds the process.
   */
  private armExpiry(at: number) {
    if (at >= this.nextExpiry) return;
    clearTimeout(this.expiryTimer);
    this.nextExpiry = at;
    this.expiryTimer = setTimeout(
      () => this.closeExpired(),
      Math.min(Math.max(0, at - Date.now()), MAX_TIMER_MS),
    ).unref();
  }

  private closeExpired() {
    this.expiryTimer = undefined;
    this.nextExpiry = Infinity;
    const now = Date.now();
    let soonest = Infinity;
    for (const socket of this.sockets) {
      const expiresAt = socket.viewer.sessionExpiresAt;
      if (expiresAt <= now) socket.close(...SESSION_ENDED);
      else soonest = Math.min(soonest, expiresAt);
    }
    if (soonest !== Infinity) this.armExpiry(soonest);
  }

  closeSessions(sessionIds: Iterable<string>) {
    const ended = new Set(sessionIds);
    for (const socket of this.sockets) {
      if (ended.has(socket.viewer.sessionId)) socket.close(...SESSION_ENDED);
    }
  }

  /**
   * Closes the sockets whose session ended while revocations could not reach
   * this instance (the bus was down): `liveSessions` answers, from the
   * database, which of the given sessions still stand.
   */
  async closeEndedSessions(liveSessions: (sessionIds: string[]) => Promise<ReadonlySet<string>>) {
    const open = new Set([...this.sockets].map((socket) => socket.viewer.sessionId));
    if (open.size === 0) return;
    const live = await liveSessions([...open]);
    this.closeSessions([...open].filter((sessionId) => !live.has(sessionId)));
  }

  closeAll(code: number, reason: string) {
    for (const socket of this.sockets) socket.close(code, reason);
  }

  get size() {
    return this.sockets.size;
  }
}
