/**
 * Calls `fire(index)` at `ratePerSecond` for `durationMs`, on schedule whether
 * or not earlier calls have finished (an open loop: a slow server makes
 * latency grow instead of quietly lowering the offered rate). Returns how many
 * were fired and how late the loop fell behind its schedule at worst.
 */
export async function openLoop(ratePerSecond: number, durationMs: number, fire: (index: number) => void) {
  const total = Math.floor((ratePerSecond * durationMs) / 1000);
  const start = performance.now();
  let fired = 0;
  let worstLagMs = 0;
  while (fired < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) * ratePerSecond) / 1000) + 1);
    worstLagMs = Math.max(worstLagMs, ((due - fired) * 1000) / ratePerSecond);
    while (fired < due) fire(fired++);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  return { fired, worstLagMs: Math.round(worstLagMs), elapsedMs: Math.round(performance.now() - start) };
}
