import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from './support/database.ts';
import { startTestServer, type TestServer } from './support/server.ts';

/**
 * Connections that hold a slot without making a request: each must be let go,
 * or MAX_CONNECTIONS of them lock everyone out. The idle timeout is set far
 * beyond the waits here, so only the headers deadline can close the first two.
 */
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let strict: TestServer;
let quickIdle: TestServer;

beforeAll(async () => {
  database = await createTestDatabase();
  strict = await startTestServer({
    databaseUrl: database.url,
    env: { HTTP_HEADERS_TIMEOUT: '1s', HTTP_IDLE_TIMEOUT: '5m' },
  });
  quickIdle = await startTestServer({
    databaseUrl: database.url,
    env: { HTTP_HEADERS_TIMEOUT: '5m', HTTP_IDLE_TIMEOUT: '1s' },
  });
});

afterAll(async () => {
  await strict?.stop();
  await quickIdle?.stop();
  await database?.drop();
});

/** A raw TCP connection to `server`, and a promise of its end (rejecting after `deadlineMs`). */
function rawConnection(server: TestServer, deadlineMs = 10_000) {
  const { port } = new URL(server.url);
  const socket = net.connect(Number(port), '127.0.0.1');
  socket.on('error', () => {});
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
  const closed = new Promise<string>((done, fail) => {
    const timer = setTimeout(() => {
      socket.destroy();
      fail(new Error(`still open after ${deadlineMs} ms`));
    }, deadlineMs);
    socket.on('close', () => {
      clearTimeout(timer);
      done(received);
    });
  });
  return { socket, closed };
}

describe('connections that make no request', () => {
  it('closes one that sends nothing at all', async () => {
    const { closed } = rawConnection(strict);
    expect(await closed).toContain('408');
  });

  it('closes one that trickles its headers a byte at a time', async () => {
    const { socket, closed } = rawConnection(strict);
    socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n');
    const trickle = setInterval(() => socket.write('X'), 100);
    try {
      expect(await closed).toContain('408');
    } finally {
      clearInterval(trickle);
    }
  });

  it('closes a keep-alive connection left idle after its request', async () => {
    const { socket, closed } = rawConnection(quickIdle);
    socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n');
    expect(await closed).toContain('200 OK');
  });
});
