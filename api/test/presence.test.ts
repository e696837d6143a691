import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatEvents, directConversation, ownPresence, presenceOf, setTyping } from './support/chat-events.ts';
import { connected, gql, signup, wsClient, type TestUser } from './support/clients.ts';
import { ChatSocket } from './support/compat-clients.ts';
import { connectSql, createTestDatabase } from './support/database.ts';
import { freePort } from './support/ports.ts';
import { RawGraphQLSocket } from './support/raw-sockets.ts';
import { startTestServer, testRedisUrl, uniqueRedisPrefix, type TestServer } from './support/server.ts';
import { waitUntil } from './support/waits.ts';

// Short enough to wait out, long enough that a loaded machine's event loop never misses two
// heartbeats in a row (an instance would be taken for dead) nor takes a grace to reopen a socket.
const GRACE_MS = 1_000;
const HEARTBEAT_MS = 1_000;
const timings = { PRESENCE_OFFLINE_GRACE: `${GRACE_MS}ms`, PRESENCE_HEARTBEAT: `${HEARTBEAT_MS}ms` };

let database: Awaited<ReturnType<typeof createTestDatabase>>;
const redisOptions = { url: testRedisUrl(), prefix: uniqueRedisPrefix() };
let redis: Redis;
/** Two instances sharing Redis, and one on its own with the in-process bus and store. */
let one: TestServer, two: TestServer, alone: TestServer;
const disposers: Array<() => unknown> = [];
const defer = (dispose: () => unknown) => disposers.push(dispose);

beforeAll(async () => {
  database = await createTestDatabase();
  redis = new Redis(redisOptions.url);
  one = await startTestServer({ databaseUrl: database.url, redis: redisOptions, env: timings });
  [two, alone] = await Promise.all([
    startTestServer({ databaseUrl: database.url, redis: redisOptions, env: timings }),
    startTestServer({ databaseUrl: database.url, redis: false, env: timings }),
  ]);
});
afterAll(async () => {
  for (const dispose of disposers.reverse()) await dispose();
  await Promise.all([one, two, alone].map((server) => server?.stop()));
  redis?.disconnect();
  await database?.drop();
});

const instancesKey = `${redisOptions.prefix}presence:instances`;
const aliveKey = (instance: string) => `${redisOptions.prefix}presence:alive:${instance}`;

/** A connected graphql-ws client, disposed after the file unless the test closes it first. */
async function open(server: TestServer, user: TestUser) {
  const client = wsClient(server, user.token);
  defer(() => client.dispose());
  await connected(client);
  return client;
}

/** The sockets `server` holds open (acknowledged ones: each counts for presence). */
async function openSockets(server: TestServer) {
  return ((await (await fetch(`${server.url}/readyz`)).json()) as { sockets: number }).sockets;
}

/** `watcher` listening on `server` to a fresh person they share a conversation with. */
async function watching(server: TestServer) {
  const [watcher, watched] = await Promise.all([signup(server), signup(server)]);
  await directConversation(server, watched, watcher);
  const events = new ChatEvents(await open(server, watcher));
  defer(events.dispose);
  await events.ready(server, watcher, watched);
  return { watcher, watched, events };
}

/** Resolves after `count` refreshes of an instance's heartbeat key (its TTL going back up). */
async function heartbeats(instance: string, count: number) {
  let seen = 0;
  let last = await redis.pttl(aliveKey(instance));
  await waitUntil(
    async () => {
      const ttl = await redis.pttl(aliveKey(instance));
      if (ttl > last) seen++;
      last = ttl;
      return seen >= count;
    },
    `${count} heartbeats of ${instance}`,
    (count + 2) * HEARTBEAT_MS * 3,
  );
}

describe('no PostgreSQL write per typing event or heartbeat', () => {
  it('counts no write statement over typing calls all through three heartbeats', async () => {
    const sql = await connectSql(database.url);
    defer(() => sql.end());
    // Every INSERT, UPDATE or DELETE statement on any table, even one touching no row, counts —
    // but the mail queue's and the file sweep's, which poll on timers of their own whatever people do.
    await sql.query(`
      CREATE SEQUENCE write_statements;
      CREATE FUNCTION count_write() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN PERFORM nextval('write_statements'); RETURN NULL; END $$;
      DO $$ DECLARE t text; BEGIN
        FOR t IN SELECT tablename FROM pg_tables
                 WHERE schemaname = 'public' AND tablename NOT IN ('outgoing_mail', 'uploads') LOOP
          EXECUTE format('CREATE TRIGGER count_write AFTER INSERT OR UPDATE OR DELETE ON %I
                          FOR EACH STATEMENT EXECUTE FUNCTION count_write()', t);
        END LOOP; END $$;
      SELECT nextval('write_statements');`);
    const writes = async () =>
      Number((await sql.query<{ n: string }>('SELECT last_value AS n FROM write_statements')).rows[0]!.n);

    const { watcher, watched, events } = await watching(one);
    const conversationId = await directConversation(one, watched, watcher);
    await open(one, watched);
    await events.next('PresenceEvent', watched.username, (event) => event.presence!.online);
    const instances = await redis.smembers(instancesKey);
    const before = await writes();
    // A write is seen: the counter itself works.
    await gql(
      one,
      'mutation { updateSettings(shareReadReceipts: true) { shareReadReceipts } }',
      {},
      { token: watcher.token },
    );
    expect(await writes()).toBe(before + 1);

    // Typing all through three heartbeats of every instance, and until three typing events were
    // told: switching every 5 calls, paced under the cap of 60 calls in 10 s.
    let beating = true;
    const beats = Promise.all(instances.map((instance) => heartbeats(instance, 3))).finally(
      () => (beating = false),
    );
    const told = () => events.of('TypingEvent', watched.username).length;
    for (let call = 0; beating || told() < 3; call++) {
      expect((await setTyping(one, watched, conversationId, call % 10 < 5)).errors).toBeUndefined();
      await new Promise((done) => setTimeout(done, 200));
    }
    await beats;
    expect(await writes()).toBe(before + 1);
  }, 60_000);
});

describe.each([
  {
    store: 'Redis: online on one instance, seen from the other',
    on: () => one,
    from: () => two,
    reload: () => two,
  },
  { store: 'in-process: one instance', on: () => alone, from: () => alone, reload: () => alone },
])('presence ($store)', ({ on, from, reload }) => {
  it('goes online with a socket (graphql-ws or compat), offline a grace period after the last closes', async () => {
    const { watcher, watched, events } = await watching(from());
    expect(await presenceOf(from(), watcher, watched)).toEqual({ online: false, lastSeenAt: null });

    const client = await open(on(), watched);
    const online = await events.next('PresenceEvent', watched.username, (event) => event.presence!.online);
    expect(online.presence).toEqual({ online: true, lastSeenAt: null });
    expect(await presenceOf(from(), watcher, watched)).toEqual({ online: true, lastSeenAt: null });

    const closedAt = Date.now();
    await client.dispose();
    const offline = await events.next('PresenceEvent', watched.username, (event) => !event.presence!.online);
    expect((offline as { at: number }).at - closedAt).toBeGreaterThanOrEqual(GRACE_MS - 50);
    const lastSeenAt = new Date(offline.presence!.lastSeenAt!);
    // To the minute: the minute in which it went offline, between the close and the event.
    expect(lastSeenAt.getUTCSeconds() + lastSeenAt.getUTCMilliseconds()).toBe(0);
    expect(lastSeenAt.getTime()).toBeGreaterThan(closedAt - 60_000);
    expect(lastSeenAt.getTime()).toBeLessThanOrEqual((offline as { at: number }).at);
    expect(await presenceOf(from(), watcher, watched)).toEqual(offline.presence);

    // The original chat's socket counts too.
    const chat = await ChatSocket.open(on(), watched.username, watcher.username, watched.token);
    defer(() => chat.close());
    await events.next(
      'PresenceEvent',
      watched.username,
      (event) => event.presence!.online && event !== online,
    );
    expect(events.of('PresenceEvent', watched.username)).toHaveLength(3);
  });

  it('does not flap on a reload: closed and reopened within the grace, nobody is told', async () => {
    const { watcher, watched, events } = await watching(from());
    const first = await open(on(), watched);
    await events.next('PresenceEvent', watched.username, (event) => event.presence!.online);

    // A reload, possibly landing on another instance: the new page's socket is upgraded while the
    // old one closes, and says hello once the server has seen the old one go (a client's close
    // reaches it later), so it is back well within the grace however slow the machine is.
    const second = await RawGraphQLSocket.connect(reload());
    defer(() => second.close());
    const socketsBefore = await openSockets(on());
    await first.dispose();
    await waitUntil(async () => (await openSockets(on())) < socketsBefore, 'the server to see the close');
    const firstClosedAt = Date.now();
    await second.init(watched.token);
    // Nobody is told until the first close's grace is over, and then nobody is told either: proving
    // that something did not happen takes waiting for when it would have.
    await waitUntil(() => Date.now() > firstClosedAt + GRACE_MS + 300, 'the first grace to pass');
    expect(await presenceOf(from(), watcher, watched)).toEqual({ online: true, lastSeenAt: null });
    const secondClosedAt = Date.now();
    second.close();

    const offline = await events.next('PresenceEvent', watched.username, (event) => !event.presence!.online);
    // The only offline is the one the second close began.
    expect((offline as { at: number }).at - secondClosedAt).toBeGreaterThanOrEqual(GRACE_MS - 50);
    expect(events.of('PresenceEvent', watched.username).map((event) => event.presence!.online)).toEqual([
      true,
      false,
    ]);
    expect(await presenceOf(from(), watcher, watched)).toMatchObject({ online: false });
  });

  it('is reciprocal: with sharePresence off, neither side sees the other or hears of them', async () => {
    const { watcher, watched, events } = await watching(from());
    const hidden = await gql(
      from(),
      'mutation { updateSettings(sharePresence: false) { sharePresence } }',
      {},
      { token: watched.token },
    );
    expect(hidden.data).toEqual({ updateSettings: { sharePresence: false } });
    expect(await presenceOf(from(), watcher, watched)).toBeNull();
    expect(await presenceOf(from(), watched, watcher)).toBeNull();

    // The hidden one comes online: the watcher hears nothing of it, but does of someone else who came later.
    const other = await signup(from());
    await directConversation(from(), other, watcher);
    await open(on(), watched);
    await waitUntil(async () => (await ownPresence(on(), watched))?.online === true, 'own presence online');
    await open(on(), other);
    await events.next('PresenceEvent', other.username, (event) => event.presence!.online);
    expect(events.of('PresenceEvent', watched.username)).toEqual([]);

    // The other way: the hidden one hears nothing of a sharing person coming online after their own socket.
    const hiddenSees = new ChatEvents(await open(from(), watched));
    defer(hiddenSees.dispose);
    await hiddenSees.ready(from(), watched, watcher);
    const third = await signup(from());
    const thirdConversation = await directConversation(from(), third, watched);
    await open(on(), third);
    await waitUntil(async () => (await ownPresence(on(), third))?.online === true, 'own presence online');
    await setTyping(on(), third, thirdConversation);
    await hiddenSees.next('TypingEvent', third.username);
    expect(hiddenSees.of('PresenceEvent')).toEqual([]);

    // Turned back on, both see each other again.
    await gql(
      from(),
      'mutation { updateSettings(sharePresence: true) { sharePresence } }',
      {},
      { token: watched.token },
    );
    expect(await presenceOf(from(), watcher, watched)).toEqual({ online: true, lastSeenAt: null });
    expect(await presenceOf(from(), watched, watcher)).toEqual({ online: true, lastSeenAt: null });
  });
});

describe('Redis losing the presence keys (a restart without persistence)', () => {
  it('puts the people with open sockets back within two heartbeats', async () => {
    const { watcher, watched, events } = await watching(two);
    await open(one, watched);
    await events.next('PresenceEvent', watched.username, (event) => event.presence!.online);

    const instances = await redis.smembers(instancesKey);
    const keys = await redis.keys(`${redisOptions.prefix}presence:*`);
    await redis.del(...keys);
    expect(await presenceOf(two, watcher, watched)).toMatchObject({ online: false });
    // Counted in heartbeats, not milliseconds: a slow machine beats late, and that is no fault.
    await Promise.all(instances.map((instance) => heartbeats(instance, 2)));
    expect(await presenceOf(two, watcher, watched)).toEqual({ online: true, lastSeenAt: null });
  });
});

describe('an instance killed with SIGKILL', () => {
  it('takes its people offline within three heartbeats, as seen from another instance; a stalled one puts them back', async () => {
    const { watcher, watched, events } = await watching(two);
    const before = new Set(await redis.smembers(instancesKey));
    const port = await freePort();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', resolve(import.meta.dirname, '../src/main.ts')],
      {
        env: {
          ...process.env,
          ...timings,
          DATABASE_URL: database.url,
          REDIS_URL: redisOptions.url,
          REDIS_KEY_PREFIX: redisOptions.prefix,
          PORT: String(port),
          HOST: '127.0.0.1',
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    defer(() => child.kill('SIGKILL'));
    const killed = {
      url: `http://127.0.0.1:${port}`,
      wsUrl: `ws://127.0.0.1:${port}/graphql`,
      stop: async () => {},
    };
    let instance: string | undefined;
    await waitUntil(
      async () => {
        instance = (await redis.smembers(instancesKey)).find((member) => !before.has(member));
        return (
          instance !== undefined &&
          (await fetch(`${killed.url}/healthz`).then(
            () => true,
            () => false,
          ))
        );
      },
      'the child instance',
      30_000,
    );
    await open(killed, watched);
    await events.next('PresenceEvent', watched.username, (event) => event.presence!.online);

    // Stalled long enough to be taken for dead, then back: its people come back online.
    child.kill('SIGSTOP');
    await events.next('PresenceEvent', watched.username, (event) => !event.presence!.online, 15_000);
    child.kill('SIGCONT');
    await events.waitFor(
      () => events.of('PresenceEvent', watched.username).at(-1)!.presence!.online,
      'back online after the stall',
    );
    expect(await presenceOf(two, watcher, watched)).toEqual({ online: true, lastSeenAt: null });
    const offlineBefore = events.of('PresenceEvent', watched.username).length;

    // Killed right after a heartbeat: the worst moment, its key lives longest.
    await heartbeats(instance!, 1);
    const ttl = await redis.pttl(aliveKey(instance!));
    child.kill('SIGKILL');
    // The limit is 60 s with 20 s heartbeats: three heartbeats, two of them the key's life
    // (checked here on the key itself), the third the one another instance takes to notice.
    expect(ttl).toBeLessThanOrEqual(2 * HEARTBEAT_MS);
    await events.waitFor(
      () => events.of('PresenceEvent', watched.username).length > offlineBefore,
      'offline after the kill',
      15_000,
    );
    const offline = events.of('PresenceEvent', watched.username).at(-1)!;
    expect(offline.presence!.online).toBe(false);
    // Told once the dead instance's heartbeat key had lapsed, by the instances that outlived it.
    expect(await redis.exists(aliveKey(instance!))).toBe(0);
    expect(await presenceOf(two, watcher, watched)).toMatchObject({ online: false });
    expect(await presenceOf(one, watcher, watched)).toMatchObject({ online: false });
  }, 60_000);
});
