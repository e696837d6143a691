import type { Client } from 'graphql-ws';
import { pino } from 'pino';
import { afterAll, describe, expect, it, vi } from 'vitest';
import {
  connected,
  gql,
  signup,
  subscribeToConversation,
  wsClient,
  type TestUser,
} from './support/clients.ts';
import { ChatSocket } from './support/compat-clients.ts';
import { connectSql, createTestDatabase } from './support/database.ts';
import { FaultProxy } from './support/fault-proxy.ts';
import { startTestServer, testRedisUrl, uniqueRedisPrefix, type TestServer } from './support/server.ts';
import { createDatabase } from '../src/db/client.ts';
import { SessionService } from '../src/modules/accounts/sessions.ts';
import { createInProcessBus } from '../src/realtime/bus.ts';

const disposers: Array<() => unknown> = [];
afterAll(async () => {
  for (const dispose of disposers.reverse()) await dispose();
});

let shared: ReturnType<typeof createTestDatabase> | undefined;

/** The file's database, made at first use (and dropped last): each test signs up people of its own. */
function database() {
  shared ??= createTestDatabase().then((created) => {
    disposers.push(() => created.drop());
    return created;
  });
  return shared;
}

async function server(options: Parameters<typeof startTestServer>[0]) {
  const started = await startTestServer(options);
  disposers.push(() => started.stop());
  return started;
}

/** A Redis reached through a proxy the test can cut. */
async function redisProxy() {
  const redis = new URL(testRedisUrl());
  const proxy = await FaultProxy.start({ host: redis.hostname, port: Number(redis.port || 6379) });
  disposers.push(() => proxy.stop());
  return proxy;
}

async function openClient(target: TestServer, user: TestUser): Promise<Client> {
  const client = wsClient(target, user.token);
  disposers.push(() => client.dispose());
  await connected(client);
  return client;
}

/** The close code a connected graphql-ws client gets, or a rejection at the deadline. */
function closeCode(client: Client, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still open after ${timeoutMs} ms`)), timeoutMs);
    client.on('closed', (event) => {
      clearTimeout(timer);
      resolve((event as { code: number }).code);
    });
  });
}

const me = async (target: TestServer, user: TestUser) =>
  (await gql(target, '{ me { username } }', {}, { token: user.token })).data!.me;

const readiness = async (target: TestServer) =>
  (await (await fetch(`${target.url}/readyz`)).json()) as { pubsub: string };

describe('logout while Redis is down', () => {
  it('closes the session’s sockets on the same instance without the bus', async () => {
    const proxy = await redisProxy();
    const instance = await server({
      databaseUrl: (await database()).url,
      redis: { url: proxy.rewrite(testRedisUrl()), prefix: uniqueRedisPrefix() },
    });
    const [alice, bob] = await Promise.all([signup(instance), signup(instance)]);
    const client = await openClient(instance, alice);
    subscribeToConversation(client, bob.username);
    const closed = closeCode(client, 3_000);
    proxy.cut();
    try {
      await vi.waitFor(async () => expect((await readiness(instance)).pubsub).toBe('unavailable'), {
        timeout: 10_000,
      });
      expect((await gql(instance, 'mutation { logout }', {}, { token: alice.token })).data!.logout).toBe(
        true,
      );
      expect(await closed).toBe(4403);
    } finally {
      proxy.restore();
    }
  });

  it('closes them on another instance through Redis, and from PostgreSQL within seconds when that instance cannot hear Redis', async () => {
    const url = (await database()).url;
    const prefix = uniqueRedisPrefix();
    const proxy = await redisProxy();
    // Sessions cached for longer than the test: only a revocation can make `two` forget one.
    const env = { SESSION_CACHE_TTL: '1h' };
    const [one, two] = await Promise.all([
      server({ databaseUrl: url, redis: { url: testRedisUrl(), prefix }, env }),
      server({ databaseUrl: url, redis: { url: proxy.rewrite(testRedisUrl()), prefix }, env }),
    ]);
    const [alice, bob, carol] = await Promise.all([signup(one), signup(one), signup(one)]);
    // `two` may still be (re)connecting its subscriber after start (seen under load: a failed
    // ready check); that first connection triggers no resync, so wait until it is on the bus.
    await vi.waitFor(async () => expect((await readiness(two)).pubsub).toBe('ok'), { timeout: 10_000 });
    const bobClient = await openClient(two, bob);
    expect(await me(two, bob)).toEqual({ username: bob.username });
    const bobClosed = closeCode(bobClient, 5_000);
    await gql(one, 'mutation { logout }', {}, { token: bob.token });
    expect(await bobClosed).toBe(4403);
    // The revocation that closed the socket also took the session out of `two`'s cache.
    expect(await me(two, bob)).toBeNull();

    // Cut: `two` knows at once that its bus is down.
    for (const [fault, user] of [
      ['cut', alice],
      ['stall', carol],
    ] as const) {
      const client = await openClient(two, user);
      expect(await me(two, user)).toEqual({ username: user.username });
      const closed = closeCode(client, 8_000);
      proxy[fault]();
      try {
        // A frozen link drops no connection: `two` learns it only from the silence of its heartbeat.
        await vi.waitFor(async () => expect((await readiness(two)).pubsub).toBe('unavailable'), {
          timeout: 10_000,
        });
        await gql(one, 'mutation { logout }', {}, { token: user.token });
        // The revocation went out on the bus while `two` was off it: `two` trusts no cached
        // session while it cannot hear revocations, and finds its socket's session gone in PostgreSQL.
        expect(await me(two, user)).toBeNull();
        expect(await closed).toBe(4403);
      } finally {
        proxy.restore();
      }
      await vi.waitFor(async () => expect((await readiness(two)).pubsub).toBe('ok'), { timeout: 10_000 });
    }
  });
});

describe('session expiry', () => {
  it('closes graphql-ws and compat sockets when the session reaches its absolute expiry', async () => {
    const instance = await server({
      databaseUrl: (await database()).url,
      env: { SESSION_MAX_AGE: '3s' },
    });
    const signedUpAt = Date.now();
    const [alice, bob] = await Promise.all([signup(instance), signup(instance)]);
    const client = await openClient(instance, alice);
    const subscription = subscribeToConversation(client, bob.username);
    const graphqlWsClosed = closeCode(client, 8_000).then((code) => ({ code, at: Date.now() }));
    const chat = await ChatSocket.open(instance, bob.username, alice.username, bob.token);
    disposers.push(() => chat.close());

    expect(await chat.closed()).toBe(4403);
    const { code, at } = await graphqlWsClosed;
    expect(code).toBe(4403);
    expect(at - signedUpAt).toBeGreaterThanOrEqual(2_900);
    await subscription.waitFor(() => subscription.error !== undefined, 'the subscription to end');
    expect(subscription.error).toMatchObject({ code: 4403 });
  });
});

describe('session lifetime (the session service on a clock of the test’s own)', () => {
  it('ends a session at its absolute maximum age however busy, and an unused one at the idle timeout, not before', async () => {
    const { url } = await database();
    // The server runs the migrations, and its signup makes the person.
    const alice = await signup(await server({ databaseUrl: url }));
    const { db, pool } = createDatabase(url, {
      poolSize: 2,
      timeouts: { statementMs: 5_000, lockMs: 3_000, idleInTransactionMs: 5_000 },
    });
    disposers.push(() => db.$disconnect());
    const MINUTE = 60_000;
    let clock = Date.now();
    const sessions = new SessionService(
      db,
      pool,
      createInProcessBus(pino({ level: 'silent' })),
      { idleTimeoutMs: 10 * MINUTE, maxAgeMs: 60 * MINUTE, cacheTtlMs: 10_000 },
      () => clock,
    );
    const person = { id: Number(alice.id), username: alice.username };
    const start = clock;
    const [busy, resting, idle] = await Promise.all([
      sessions.start(person),
      sessions.start(person),
      sessions.start(person),
    ]);
    const alive = async (session: { token: string }) => (await sessions.authenticate(session.token)) !== null;

    // Minutes pass in no time. In use every 2 minutes, it outlives the idle timeout many times over.
    for (let minute = 0; minute < 60; minute += 2) {
      clock = start + minute * MINUTE;
      expect(await alive(busy), `busy at ${minute} min`).toBe(true);
      if (minute === 8) expect(await alive(resting), 'unused for 8 min').toBe(true);
      if (minute === 12) expect(await alive(idle), 'unused for 12 min').toBe(false);
    }
    // Up to the millisecond of its absolute expiry, looked up in PostgreSQL; then refused, even
    // though the lookup a moment ago is still in the cache.
    clock = start + 60 * MINUTE - 1;
    expect(await alive(busy)).toBe(true);
    clock = start + 60 * MINUTE;
    expect(await alive(busy)).toBe(false);
  });
});

describe('expired-session sweep', () => {
  it('deletes sessions past their absolute or idle expiry without their being presented', async () => {
    const { url } = await database();
    const instance = await server({
      databaseUrl: url,
      env: { SESSION_SWEEP_INTERVAL: '200ms', SESSION_IDLE_TIMEOUT: '1h' },
    });
    const alice = await signup(instance);
    const sql = await connectSql(url);
    disposers.push(() => sql.end());
    const insert = (expiresAt: string, lastSeenAt: string) =>
      sql.query(
        `INSERT INTO sessions (id, token_hash, user_id, expires_at, last_seen_at)
         SELECT gen_random_uuid(), sha256(random()::text::bytea), id, now() + $2::interval, now() + $3::interval
         FROM users WHERE username = $1 RETURNING id`,
        [alice.username, expiresAt, lastSeenAt],
      );
    const expired = [
      ...(await insert('-1 minute', '-2 minutes')).rows,
      ...(await insert('-1 second', '-1 second')).rows,
      ...(await insert('1 day', '-2 hours')).rows, // idle for longer than the idle timeout
    ].map((row: { id: string }) => row.id);
    const live = (await insert('1 day', '-1 minute')).rows[0].id as string;

    const remaining = async () =>
      (
        await sql.query(
          'SELECT id FROM sessions WHERE user_id = (SELECT id FROM users WHERE username = $1)',
          [alice.username],
        )
      ).rows.map((row: { id: string }) => row.id);
    await vi.waitFor(
      async () => {
        const left = await remaining();
        expect(left.filter((id) => expired.includes(id))).toEqual([]);
        expect(left).toContain(live);
      },
      { timeout: 5_000, interval: 100 },
    );
    expect((await gql(instance, '{ me { username } }', {}, { token: alice.token })).data!.me).toEqual({
      username: alice.username,
    });
  });
});
