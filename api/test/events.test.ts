import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connected, signup, Subscription, wsClient, type TestUser, signupMany } from './support/clients.ts';
import {
  createGroup,
  removeMember,
  messagesOf,
  openEvents,
  receivedBody,
  send,
  subscribeToEvents,
  type EventMessage,
} from './support/conversations.ts';
import { connectSql, createTestDatabase } from './support/database.ts';
import { FaultProxy } from './support/fault-proxy.ts';
import { startTestServer, testRedisUrl, uniqueRedisPrefix, type TestServer } from './support/server.ts';
import { waitUntil } from './support/waits.ts';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let redisProxy: FaultProxy;
let server: TestServer;
let sql: pg.Client;
let pinger: TestUser;
const disposers: Array<() => unknown> = [];

beforeAll(async () => {
  database = await createTestDatabase();
  const redis = new URL(testRedisUrl());
  redisProxy = await FaultProxy.start({ host: redis.hostname, port: Number(redis.port || 6379) });
  server = await startTestServer({
    databaseUrl: database.url,
    redis: { url: redisProxy.rewrite(testRedisUrl()), prefix: uniqueRedisPrefix() },
  });
  sql = await connectSql(database.url);
  pinger = await signup(server);
});
afterAll(async () => {
  for (const dispose of disposers.reverse()) await dispose();
  await sql?.end();
  await server?.stop();
  await redisProxy?.stop();
  await database?.drop();
});

const harness = {
  get server() {
    return server;
  },
  async openClient(user: TestUser) {
    const client = wsClient(server, user.token);
    disposers.push(() => client.dispose());
    await connected(client);
    return client;
  },
};

/** The conversation's message ids in seq order, as stored. */
async function storedOrder(conversationId: string): Promise<string[]> {
  const { rows } = await sql.query('SELECT id::text FROM messages WHERE conversation_id = $1 ORDER BY seq', [
    Number(conversationId),
  ]);
  return rows.map((row) => row.id as string);
}

const ofConversation = (messages: readonly EventMessage[], id: string) =>
  messages.filter((message) => message.conversation.id === id).map((message) => message.id);

const readiness = async () => (await fetch(`${server.url}/readyz`)).status;

describe('events: one stream of every conversation', () => {
  it('delivers 20 concurrent senders’ messages to every member once each, in commit order', async () => {
    const [owner, ...senders] = (await signupMany(server, 21)) as [TestUser, ...TestUser[]];
    const group = await createGroup(server, owner, 'Twenty', senders);
    const members = [owner, ...senders];
    const streams = await Promise.all(members.map((user) => openEvents(harness, user, pinger)));

    const perSender = 5;
    await Promise.all(
      senders.map(async (sender, index) => {
        for (let n = 0; n < perSender; n++) await send(server, sender, group.id, `s${index}-${n}`);
      }),
    );
    const order = await storedOrder(group.id);
    const sent = order.slice(-senders.length * perSender);
    for (const stream of streams) {
      await stream.waitFor(
        () => sent.every((id) => ofConversation(messagesOf(stream.events), group.id).includes(id)),
        'every message of the group',
        20_000,
      );
    }
    // A last message to each, after all of them, so that a late duplicate would have shown up.
    for (const [index, member] of members.entries()) {
      await send(server, pinger, member, `after ${index}`);
      await receivedBody(streams[index]!, `after ${index}`);
      const received = ofConversation(messagesOf(streams[index]!.events), group.id);
      // Once each and in seq order: the stream's list is a contiguous run of the stored order.
      expect(received).toEqual(order.slice(order.indexOf(received[0]!)));
    }
  }, 60_000);

  it('resumes after a disconnect: every message missed in every conversation once, Redis cut meanwhile, then live', async () => {
    const [alice, bob, carol] = (await signupMany(server, 3)) as [TestUser, TestUser, TestUser];
    const group = await createGroup(server, alice, 'Resume', [bob, carol]);
    const stream = await openEvents(harness, alice, pinger);
    await send(server, bob, alice, 'seen direct');
    await send(server, carol, group.id, 'seen group');
    await receivedBody(stream, 'seen group');
    await receivedBody(stream, 'seen direct');
    const seen = stream.events.filter((event) => event.__typename === 'MessageEvent');
    const lastCursor = seen.at(-1)!.cursor;
    stream.dispose();

    const missed: EventMessage[] = [];
    missed.push(await send(server, bob, alice, 'away 1'), await send(server, carol, group.id, 'away 2'));
    redisProxy.cut();
    try {
      await waitUntil(async () => (await readiness()) === 503, 'the Redis cut to be noticed');
      missed.push(
        await send(server, carol, alice, 'in the cut 1'),
        await send(server, bob, group.id, 'in the cut 2'),
        await send(server, alice, bob, 'in the cut 3'),
      );
    } finally {
      redisProxy.restore();
    }
    await waitUntil(async () => (await readiness()) === 200, 'Redis to be back', 15_000);
    missed.push(await send(server, bob, alice, 'back 1'), await send(server, alice, group.id, 'back 2'));

    const resumed = subscribeToEvents(await harness.openClient(alice), lastCursor);
    await resumed.waitFor(() => messagesOf(resumed.events).length >= missed.length, 'the missed messages');
    const live = await send(server, carol, group.id, 'live');
    await receivedBody(resumed, 'live');
    const received = messagesOf(resumed.events);
    expect(received.map((message) => message.id).sort()).toEqual(
      [...missed, live].map((message) => message.id).sort(),
    );
    // Within each conversation, in commit order.
    for (const id of new Set(received.map((message) => message.conversation.id))) {
      const order = await storedOrder(id);
      const ids = ofConversation(received, id);
      expect(ids).toEqual(order.filter((stored) => ids.includes(stored)));
    }
  }, 60_000);

  it('resumes from the cursor of a message sent over HTTP', async () => {
    const [alice, bob, carol] = (await signupMany(server, 3)) as [TestUser, TestUser, TestUser];
    const group = await createGroup(server, alice, 'From HTTP', [bob, carol]);
    await send(server, bob, group.id, 'before');
    await send(server, carol, alice, 'before, elsewhere');
    const mine = await send(server, alice, group.id, 'mine');
    const after = [
      await send(server, carol, group.id, 'after 1'),
      await send(server, bob, alice, 'after 2'),
      await send(server, alice, carol, 'after 3'),
    ];
    const resumed = subscribeToEvents(await harness.openClient(alice), mine.cursor);
    await receivedBody(resumed, 'after 3');
    await send(server, bob, group.id, 'live');
    await receivedBody(resumed, 'live');
    const bodies = messagesOf(resumed.events).map((message) => message.body);
    expect(bodies).toEqual(expect.arrayContaining([...after.map((message) => message.body), 'live']));
    expect(bodies).not.toContain('mine');
    expect(bodies).not.toContain('before');
    expect(new Set(bodies).size).toBe(bodies.length);
    // The cursor knows no position in the other conversations: their recent messages come again, once.
    expect(bodies).toContain('before, elsewhere');
  });

  it('a removed member’s open messageAdded and events streams carry nothing after the removal, even when Redis reconnects', async () => {
    const [alice, bob, carol] = (await signupMany(server, 3)) as [TestUser, TestUser, TestUser];
    const group = await createGroup(server, alice, 'Old API', [bob, carol]);
    const known = await send(server, bob, group.id, 'known');
    const client = await harness.openClient(carol);
    const bodies = (conversationId: string, after: string) => {
      const subscription = new Subscription<{ body: string }>(
        client,
        'subscription ($id: ID!, $after: ID) { messageAdded(conversationId: $id, after: $after) { body } }',
        { id: conversationId, after },
        'messageAdded',
      );
      return {
        subscription,
        bodies: () => subscription.events.map((event) => event.body),
        received: (body: string) =>
          subscription.waitFor(() => subscription.events.some((event) => event.body === body), body, 15_000),
      };
    };
    const inGroup = bodies(group.id, known.id);
    const dm = await send(server, alice, carol, 'direct');
    const direct = bodies(dm.conversation.id, dm.id);
    const events = await openEvents(harness, carol, pinger);
    await send(server, bob, group.id, 'before');
    await inGroup.received('before');
    await receivedBody(events, 'before');

    await removeMember(server, alice, group.id, carol);
    await send(server, bob, group.id, 'after the removal');
    // A Redis reconnect makes every stream re-read PostgreSQL: the direct one shows that it did.
    redisProxy.cut();
    try {
      await waitUntil(async () => (await readiness()) === 503, 'the Redis cut to be noticed');
      await send(server, alice, carol, 'in the cut');
    } finally {
      redisProxy.restore();
    }
    await direct.received('in the cut');
    await send(server, alice, carol, 'after the reconnect');
    await direct.received('after the reconnect');
    await receivedBody(events, 'after the reconnect');
    expect(inGroup.bodies()).toEqual(['before']);
    expect(ofConversation(messagesOf(events.events), group.id)).not.toContain(
      (await storedOrder(group.id)).at(-1),
    );
  }, 60_000);
});
