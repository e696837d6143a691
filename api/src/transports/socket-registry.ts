import type { Viewer } from '../services/accounts.ts';

interface TrackedSocket {
  viewer: Viewer;
  close(code: number, reason: string): void;
}

/**
 * Every open WebSocket of this instance, by session and by user: caps how
 * many one person holds, and closes a session's sockets the moment it is
 * revoked on any instance.
 */
export class SocketRegistry {
  private readonly sockets = new Set<TrackedSocket>();
  private readonly countByUser = new Map<number, number>();

  constructor(private readonly maxPerUser: number) {}

  /** Registers a socket; returns its release function, or null when the user is at the cap. */
  add(viewer: Viewer, close: TrackedSocket['close']): (() => void) | null {
    const count = this.countByUser.get(viewer.id) ?? 0;
    if (count >= this.maxPerUser) return null;
    const socket = { viewer, close };
    this.sockets.add(socket);
    this.countByUser.set(viewer.id, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.sockets.delete(socket);
      const left = (this.countByUser.get(viewer.id) ?? 1) - 1;
      if (left === 0) this.countByUser.delete(viewer.id);
      else this.countByUser.set(viewer.id, left);
    };
  }

  closeSessions(sessionIds: readonly string[]) {
    const ended = new Set(sessionIds);
    for (const socket of this.sockets) {
      if (ended.has(socket.viewer.sessionId)) socket.close(4403, 'Session ended');
    }
  }

  closeAll(code: number, reason: string) {
    for (const socket of this.sockets) socket.close(code, reason);
  }

  get size() {
    return this.sockets.size;
  }
}
