import { afterAll, beforeAll } from 'vitest';
import { sendMessage, type TestUser } from './clients.ts';
import { createTestDatabase } from './database.ts';
import { FaultProxy } from './fault-proxy.ts';
import { startTestServer, testRedisUrl, uniqueRedisPrefix, type TestServer } from './server.ts';

/**
 * For one test file: a server that reaches PostgreSQL and Redis only through
 * fault proxies the tests cut, stall and restore; everything the tests
 * `defer()` is disposed after them, newest first.
 */
export function useServerBehindFaults(env: Record<string, string> = {}) {
  const state: {
    database?: Awaited<ReturnType<typeof createTestDatabase>>;
    pgProxy?: FaultProxy;
    redisProxy?: FaultProxy;
    server?: TestServer;
  } = {};
  const disposers: Array<() => unknown> = [];

  beforeAll(async () => {
    state.database = await createTestDatabase();
    const pg = new URL(state.database.url);
    const redis = new URL(testRedisUrl());
    state.pgProxy = await FaultProxy.start({ host: pg.hostname, port: Number(pg.port || 5432) });
    state.redisProxy = await FaultProxy.start({ host: redis.hostname, port: Number(redis.port || 6379) });
    state.server = await startTestServer({
      databaseUrl: state.pgProxy.rewrite(state.database.url),
      redis: { url: state.redisProxy.rewrite(testRedisUrl()), prefix: uniqueRedisPrefix() },
      env,
    });
  });
  afterAll(async () => {
    for (const dispose of disposers.reverse()) await dispose();
    await state.server?.stop();
    await state.pgProxy?.stop();
    await state.redisProxy?.stop();
    await state.database?.drop();
  });

  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the server behind faults is not started yet');
    return value;
  };
  return {
    get server() {
      return started(state.server);
    },
    get pgProxy() {
      return started(state.pgProxy);
    },
    get redisProxy() {
      return started(state.redisProxy);
    },
    get database() {
      return started(state.database);
    },
    defer(dispose: () => unknown) {
      disposers.push(dispose);
    },
    /** What `/readyz` says now. */
    async readiness() {
      const response = await fetch(`${started(state.server).url}/readyz`);
      return { status: response.status, body: (await response.json()) as Record<string, string> };
    },
  };
}

/**
 * Sends one message after another from `from` to `to`, each with a clientId of
 * its own, until `stop()`; the tests move the faults on as the counts grow.
 */
export function steadySends(server: Pick<TestServer, 'url'>, from: TestUser, to: TestUser) {
  const acknowledged: string[] = [];
  const failed: string[] = [];
  let stopping = false;
  const loop = (async () => {
    for (let index = 0; !stopping; index++) {
      const clientId = `steady-${index}`;
      const result = await sendMessage(server, from, to.username, `steady ${index}`, clientId);
      if (result.data?.sendMessage) acknowledged.push(result.data.sendMessage.id);
      else failed.push(`${clientId}: ${result.errors?.[0]?.extensions?.code}`);
    }
  })();
  return {
    acknowledged,
    failed,
    /** How many sends were answered, acknowledged or not. */
    answered: () => acknowledged.length + failed.length,
    async stop() {
      stopping = true;
      await loop;
    },
  };
}
