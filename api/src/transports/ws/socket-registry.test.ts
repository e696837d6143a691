import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SocketRegistry } from './socket-registry.ts';

const DAY = 86_400_000;

const viewer = (sessionId: string, expiresInMs: number) => ({
  id: 1,
  username: 'alice',
  sessionId,
  sessionExpiresAt: Date.now() + expiresInMs,
});

describe('SocketRegistry expiry', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('closes a socket at its session’s expiry, also past the 24.8-day timer limit', () => {
    const registry = new SocketRegistry(10, { opened: () => {}, closed: () => {} });
    const close = vi.fn();
    registry.add(viewer('s1', 30 * DAY), close);
    vi.advanceTimersByTime(1_000);
    expect(close).not.toHaveBeenCalled();
    vi.advanceTimersByTime(30 * DAY - 1_001);
    expect(close).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(close).toHaveBeenCalledExactlyOnceWith(4403, 'Session ended');
  });

  it('closes each socket at its own session’s expiry, with one timer for all of them', () => {
    const registry = new SocketRegistry(10, { opened: () => {}, closed: () => {} });
    const [first, second, third, released] = [vi.fn(), vi.fn(), vi.fn(), vi.fn()];
    registry.add(viewer('s2', 5_000), second);
    registry.add(viewer('s1', 2_000), first);
    registry.add(viewer('s0', 1_000), released)!();
    registry.add(viewer('s3', 8_000), third);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(1_999);
    expect(first).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(first).toHaveBeenCalledExactlyOnceWith(4403, 'Session ended');
    expect(second).not.toHaveBeenCalled();
    vi.advanceTimersByTime(3_000);
    expect(second).toHaveBeenCalledExactlyOnceWith(4403, 'Session ended');
    expect(third).not.toHaveBeenCalled();
    vi.advanceTimersByTime(3_000);
    expect(third).toHaveBeenCalledExactlyOnceWith(4403, 'Session ended');
    expect(released).not.toHaveBeenCalled();
  });

  it('clears the timer when the last socket is released', () => {
    const registry = new SocketRegistry(10, { opened: () => {}, closed: () => {} });
    const close = vi.fn();
    registry.add(viewer('s1', 1_000), close)!();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(2_000);
    expect(close).not.toHaveBeenCalled();
    expect(registry.size).toBe(0);
  });
});

describe('SocketRegistry.closeEndedSessions', () => {
  it('asks once for every open session and closes the sockets of those that no longer stand', async () => {
    const registry = new SocketRegistry(10, { opened: () => {}, closed: () => {} });
    const [live, ended, endedToo] = [vi.fn(), vi.fn(), vi.fn()];
    registry.add(viewer('live', DAY), live);
    registry.add(viewer('ended', DAY), ended);
    registry.add(viewer('ended', DAY), endedToo);
    const liveSessions = vi.fn(() => Promise.resolve(new Set(['live'])));
    await registry.closeEndedSessions(liveSessions);
    expect(liveSessions).toHaveBeenCalledExactlyOnceWith(['live', 'ended']);
    expect(live).not.toHaveBeenCalled();
    expect(ended).toHaveBeenCalledWith(4403, 'Session ended');
    expect(endedToo).toHaveBeenCalledWith(4403, 'Session ended');
  });
});
