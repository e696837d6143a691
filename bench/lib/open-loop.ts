import { now, summarize } from './stats.ts';

/**
 * Calls `fire(index, scheduledAt)` at `ratePerSecond` for `durationMs`, on
 * schedule whether or not earlier calls have finished (an open loop: a slow
 * server makes latency grow instead of quietly lowering the offered rate).
 * `scheduledAt` is when the message was due, on the `now()` clock: latency is
 * measured from there, so a generator that falls behind (its own lag, returned
 * here) cannot hide a server's stall by sending late.
 */
export async function openLoop(
  ratePerSecond: number,
  durationMs: number,
  fire: (index: number, scheduledAt: number) => void,
) {
  const total = Math.floor((ratePerSecond * durationMs) / 1000);
  const start = now();
  const lags: number[] = [];
  let fired = 0;
  while (fired < total) {
    const due = Math.min(total, Math.floor(((now() - start) * ratePerSecond) / 1000) + 1);
    while (fired < due) {
      const scheduledAt = start + (fired * 1000) / ratePerSecond;
      lags.push(now() - scheduledAt);
      fire(fired++, scheduledAt);
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  return { fired, lag: summarize(lags), elapsedMs: Math.round(now() - start) };
}
