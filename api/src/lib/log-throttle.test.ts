import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { LogThrottle } from './log-throttle.ts';

describe('LogThrottle', () => {
  it('writes perWindow lines per key per window, then says how many it left out', () => {
    let now = 0;
    const throttle = new LogThrottle({ perWindow: 2, windowMs: 60_000, maxKeys: 10 }, () => now);
    const lines: Array<{ msg: string; key: string; suppressed?: number }> = [];
    const log = pino(
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(JSON.parse(chunk.toString()));
          done();
        },
      }),
    );
    for (let i = 0; i < 100; i++) throttle.warn(log, 'a', { key: 'a' }, 'flood');
    throttle.warn(log, 'b', { key: 'b' }, 'other');
    expect(lines.map((line) => line.key)).toEqual(['a', 'a', 'b']);
    now += 60_000;
    throttle.warn(log, 'a', { key: 'a' }, 'flood');
    throttle.warn(log, 'a', { key: 'a' }, 'flood');
    expect(lines.slice(3).map((line) => line.suppressed)).toEqual([98, undefined]);
  });
});
