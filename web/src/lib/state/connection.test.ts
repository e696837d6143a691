import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { createClient } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import type * as Ws from 'ws';
import { describe, expect, it, onTestFinished } from 'vitest';
import { type Clock, Connection, RETRY_CAP_MS, retryDelay } from './connection.svelte.ts';

// Node's `ws`, for both ends: the web tests resolve packages' browser builds (ws's is a stub), and
// jsdom's WebSocket cannot run here (its undici core dispatches jsdom's Event on Node's EventTarget).
const ws = createRequire(import.meta.url)('ws') as typeof Ws;

/** A real graphql-ws server on a free port for one test, which can turn new sockets away and drop the ones it has. */
async function graphqlWsServer() {
  let accepting = true;
  const wss = new ws.WebSocketServer({
    port: 0,
    host: '127.0.0.1',
    path: '/graphql',
    verifyClient: () => accepting,
  });
  await new Promise((resolve) => wss.once('listening', resolve));
  const disposable = useServer({}, wss);
  onTestFinished(async () => {
    await disposable.dispose();
    await new Promise((resolve) => wss.close(resolve));
  });
  return {
    /** A graphql-ws client of it, connecting at once and retrying for ever as the app's does (after 20 ms, not seconds, unless told). */
    client(retryWait: (retries: number) => Promise<void> = () => new Promise<void>((resolve) => setTimeout(resolve, 20))) {
      const client = createClient({
        url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/graphql`,
        webSocketImpl: ws.WebSocket,
        lazy: false,
        retryAttempts: Number.POSITIVE_INFINITY,
        shouldRetry: () => true,
        retryWait,
      });
      onTestFinished(() => client.dispose());
      return client;
    },
    /** Drops every socket and turns new ones away until `accept()`. */
    cut() {
      accepting = false;
      for (const socket of wss.clients) socket.terminate();
    },
    accept() {
      accepting = true;
    },
  };
}

describe('Connection', () => {
  it('follows the socket: connecting → connected → reconnecting while cut → connected', async () => {
    const server = await graphqlWsServer();
    const client = server.client();
    const connection = new Connection();
    const stop = connection.watch(client, window);
    expect(connection.status).toBe('connecting');
    await expect.poll(() => connection.status).toBe('connected');
    server.cut();
    await expect.poll(() => connection.status).toBe('reconnecting');
    server.accept();
    await expect.poll(() => connection.status, { timeout: 20_000 }).toBe('connected');
    stop();
  });

  it("says offline while the browser is, whatever the socket, from the window's online and offline events", async () => {
    const server = await graphqlWsServer();
    const client = server.client();
    const connection = new Connection();
    const stop = connection.watch(client, window);
    await expect.poll(() => connection.status).toBe('connected');
    window.dispatchEvent(new Event('offline'));
    expect(connection.status).toBe('offline');
    window.dispatchEvent(new Event('online'));
    expect(connection.status).toBe('connected');
    // Once stopped, it follows nothing.
    stop();
    window.dispatchEvent(new Event('offline'));
    expect(connection.status).toBe('connected');
  });
});

/** A clock that moves only when told, with a fixed chance; `pending` counts the timers waiting. */
function manualClock(random: number) {
  let time = 1_000_000;
  const timers = new Set<{ at: number; run: () => void }>();
  const clock: Clock = {
    now: () => time,
    random: () => random,
    after(ms, run) {
      const timer = { at: time + ms, run };
      timers.add(timer);
      return () => timers.delete(timer);
    },
  };
  return {
    clock,
    advance(ms: number) {
      time += ms;
      for (const timer of [...timers].filter(({ at }) => at <= time)) {
        timers.delete(timer);
        timer.run();
      }
    },
    pending: () => timers.size,
  };
}

describe('the reconnect backoff', () => {
  it('waits 1 s doubling to a 15 s cap, each wait drawn from the upper half of that', () => {
    const lowest = [0, 1, 2, 3, 4, 5, 50].map((retries) => retryDelay(retries, 0));
    const highest = [0, 1, 2, 3, 4, 5, 50].map((retries) => retryDelay(retries, 1 - Number.EPSILON));
    expect(lowest).toEqual([500, 1_000, 2_000, 4_000, 7_500, 7_500, 7_500]);
    expect(highest.map(Math.round)).toEqual([1_000, 2_000, 4_000, 8_000, 15_000, 15_000, 15_000]);
    expect(RETRY_CAP_MS).toBe(15_000);
  });

  it('says when the next attempt starts, starts it then, and starts it at once on "Retry now"', async () => {
    const time = manualClock(0.5);
    const connection = new Connection(time.clock);
    let started = 0;
    const attempt = (retries: number) => connection.retryWait(retries).then(() => started++);

    const third = attempt(2); // 4 s × 0.75
    expect(connection.nextAttemptAt).toBe(time.clock.now() + 3_000);
    time.advance(2_999);
    await Promise.resolve();
    expect(started).toBe(0);
    time.advance(1);
    await third;
    expect(started).toBe(1);
    expect(connection.nextAttemptAt).toBeNull();

    const next = attempt(3);
    expect(connection.nextAttemptAt).toBe(time.clock.now() + 6_000);
    connection.retryNow();
    await next;
    expect(started).toBe(2);
    expect(connection.nextAttemptAt).toBeNull();
    expect(time.pending()).toBe(0); // the cut-short wait's timer is gone
  });

  it('reconnects on "Retry now" and when the browser comes online, not before, however long the backoff', async () => {
    const server = await graphqlWsServer();
    const time = manualClock(0.5); // never advanced: only retryNow ends a wait
    const connection = new Connection(time.clock);
    const client = server.client(connection.retryWait);
    const stop = connection.watch(client, window);
    await expect.poll(() => connection.status).toBe('connected');

    server.cut();
    await expect.poll(() => connection.status).toBe('reconnecting');
    await expect.poll(() => connection.nextAttemptAt).not.toBeNull();
    server.accept();
    connection.retryNow();
    await expect.poll(() => connection.status).toBe('connected');

    server.cut();
    await expect.poll(() => connection.nextAttemptAt).not.toBeNull();
    server.accept();
    window.dispatchEvent(new Event('online'));
    await expect.poll(() => connection.status).toBe('connected');
    stop();
  });
});
