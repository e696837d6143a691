import { Writable } from 'node:stream';
import { pino } from 'pino';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from './support/database.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const FRAMES = 1_000;
const AT_ONCE = 50;

describe('logs are not an amplifier', () => {
  const lines: Array<{ level: number; msg: string; suppressed?: number; err?: unknown }> = [];
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let server: TestServer;
  beforeAll(async () => {
    database = await createTestDatabase();
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    server = await startTestServer({ databaseUrl: database.url, log: pino({ level: 'info' }, sink) });
  });
  afterAll(async () => {
    await server.stop();
    await database.drop();
  });

  /** One socket, one frame over the 64 KiB limit; resolves with the close code. */
  const oversized = () =>
    new Promise<number>((resolve, reject) => {
      const socket = new WebSocket(server.wsUrl, 'graphql-transport-ws');
      socket.on('open', () => socket.send('x'.repeat(65 * 1024)));
      socket.on('close', resolve);
      socket.on('error', reject);
    });

  it(`writes a few warnings, not ${FRAMES} errors with stacks, for ${FRAMES} oversized frames`, async () => {
    const codes: number[] = [];
    for (let sent = 0; sent < FRAMES; sent += AT_ONCE) {
      codes.push(...(await Promise.all(Array.from({ length: AT_ONCE }, oversized))));
    }
    expect(codes.filter((code) => code === 1009 || code === 1006)).toHaveLength(FRAMES);
    const badFrames = lines.filter((line) => line.msg === 'closed a socket on a bad frame');
    expect(badFrames.length).toBeGreaterThan(0);
    expect(badFrames.length).toBeLessThanOrEqual(10);
    expect(lines.filter((line) => line.level >= 50)).toEqual([]);
    expect(lines.length).toBeLessThan(50);
  });
});
