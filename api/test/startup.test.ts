import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatEvents, directConversation, presenceOf } from './support/chat-events.ts';
import { connected, signup, wsClient } from './support/clients.ts';
import { createTestDatabase } from './support/database.ts';
import { FaultProxy } from './support/fault-proxy.ts';
import { startTestServer, testRedisUrl, uniqueRedisPrefix, type TestServer } from './support/server.ts';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let proxy: FaultProxy;
let redis: Redis;
let server: TestServer;
const prefix = uniqueRedisPrefix();
const disposers: Array<() => unknown> = [];

beforeAll(async () => {
  database = await createTestDatabase();
  redis = new Redis(testRedisUrl());
  const target = new URL(testRedisUrl());
  proxy = await FaultProxy.start({ host: target.hostname, port: Number(target.port || 6379) });
  // Each of the instance's Redis connections takes half a second to answer its first command:
  // far longer than the instance takes from opening its last one to its first presence heartbeat.
  proxy.delayNewConnections(500);
  // The default heartbeat (20 s): no second heartbeat comes to the rescue within this file.
  server = await startTestServer({
    databaseUrl: database.url,
    redis: { url: proxy.rewrite(testRedisUrl()), prefix },
  });
});
afterAll(async () => {
  for (const dispose of disposers.reverse()) await dispose();
  await server?.stop();
  await proxy?.stop();
  redis?.disconnect();
  await database?.drop();
});

describe('an instance whose Redis is slow to answer at start', () => {
  it('is listed for presence once started: its people are online from their first socket', async () => {
    // Its first heartbeat used to run before its Redis connection was up, and failed: the
    // instance was listed only at the next one, and everyone on it looked offline until then.
    expect(await redis.smembers(`${prefix}presence:instances`)).toHaveLength(1);

    const [watcher, watched] = await Promise.all([signup(server), signup(server)]);
    await directConversation(server, watched, watcher);
    const watcherClient = wsClient(server, watcher.token);
    disposers.push(() => watcherClient.dispose());
    await connected(watcherClient);
    const events = new ChatEvents(watcherClient);
    disposers.push(events.dispose);
    await events.ready(server, watcher, watched);
    const watchedClient = wsClient(server, watched.token);
    disposers.push(() => watchedClient.dispose());
    await connected(watchedClient);
    await events.next('PresenceEvent', watched.username, (event) => event.presence!.online);
    expect(await presenceOf(server, watcher, watched)).toEqual({ online: true, lastSeenAt: null });
  });
});
