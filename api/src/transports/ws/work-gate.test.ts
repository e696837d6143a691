import { describe, expect, it } from 'vitest';
import { WorkGate } from './work-gate.ts';

describe('WorkGate', () => {
  it('lets `limit` operations run at once and the next in when one leaves', async () => {
    const gate = new WorkGate(2);
    const signal = new AbortController().signal;
    const [first, second] = [await gate.enter(signal), await gate.enter(signal)];
    let third: (() => void) | null = null;
    const entering = gate.enter(signal).then((leave) => (third = leave));
    await new Promise((settled) => setImmediate(settled));
    expect(third).toBeNull();
    first!();
    first!();
    await entering;
    expect(third).not.toBeNull();
    second!();
    third!();
  });

  it('gives up waiting when the socket closes', async () => {
    const gate = new WorkGate(1);
    const lifetime = new AbortController();
    await gate.enter(lifetime.signal);
    const waiting = gate.enter(lifetime.signal);
    lifetime.abort();
    expect(await waiting).toBeNull();
  });
});
