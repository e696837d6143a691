import { describe, expect, it } from 'vitest';
import { backgroundRunner } from './background.ts';
import { LogThrottle } from './log-throttle.ts';

describe('backgroundRunner', () => {
  it('logs a failure of work nobody awaits, throttled per kind, instead of leaving it unhandled', async () => {
    const lines: Array<{ fields: Record<string, unknown>; message: string }> = [];
    const log = { warn: (fields: Record<string, unknown>, message: string) => lines.push({ fields, message }) };
    const background = backgroundRunner(
      log as never,
      new LogThrottle({ perWindow: 2, windowMs: 60_000, maxKeys: 10 }),
    );
    const failures = Array.from({ length: 5 }, () => Promise.reject(new Error('database away')));
    for (const failure of failures) background(failure, 'typing update');
    await Promise.allSettled(failures);
    await new Promise((settled) => setImmediate(settled));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ message: 'typing update failed', fields: { task: 'typing update' } });
  });
});
