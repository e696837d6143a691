import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connected,
  sendMessage,
  signup,
  subscribeToConversation,
  wsClient,
  type TestUser,
} from './support/clients.ts';
import { ChatEvents, directConversation, setTyping } from './support/chat-events.ts';
import { createGroup, messagesOf, openEvents, receivedBody, send } from './support/conversations.ts';
import { connectSql, createTestDatabase } from './support/database.ts';
import { startTestServer, testRedisUrl, uniqueRedisPrefix, type TestServer } from './support/server.ts';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let instances: TestServer[] = [];
const disposers: Array<() => unknown> = [];

beforeAll(async () => {
  database = await createTestDatabase();
  const redis = { url: testRedisUrl(), prefix: uniqueRedisPrefix() };
  // Started together on a fresh database: both run the migrations, which must be applied once.
  // Typing lapses only after a minute: a `false` within a test's waits has another cause.
  instances = await Promise.all(
    [1, 2].map(() => startTestServer({ databaseUrl: database.url, redis, env: { TYPING_LAPSE: '1m' } })),
  );
});
afterAll(async () => {
  for (const dispose of disposers.reverse()) await dispose();
  await Promise.all(instances.map((instance) => instance.stop()));
  await database?.drop();
});

describe('two instances sharing PostgreSQL and Redis', () => {
  it('applied the migrations once although both started at once', async () => {
    const sql = await connectSql(database.url);
    try {
      const { rows } = await sql.query('SELECT migration_name, finished_at FROM _prisma_migrations');
      expect(rows.length).toBeGreaterThan(0);
      expect(new Set(rows.map((row) => row.migration_name)).size).toBe(rows.length);
      expect(rows.every((row) => row.finished_at !== null)).toBe(true);
    } finally {
      await sql.end();
    }
  });

  it('delivers a message sent through one to a subscriber of the other, both ways', async () => {
    const [one, two] = instances as [TestServer, TestServer];
    const [alice, bob] = await Promise.all([signup(one), signup(two)]);
    const known = (await sendMessage(one, alice, bob.username, 'known')).data!.sendMessage.id;
    const bobClient = wsClient(two, bob.token);
    const aliceClient = wsClient(one, alice.token);
    disposers.push(
      () => bobClient.dispose(),
      () => aliceClient.dispose(),
    );
    await Promise.all([connected(bobClient), connected(aliceClient)]);
    const bobSees = subscribeToConversation(bobClient, alice.username, known);
    const aliceSees = subscribeToConversation(aliceClient, bob.username, known);

    const fromAlice = (await sendMessage(one, alice, bob.username, 'via instance one')).data!.sendMessage;
    const fromBob = (await sendMessage(two, bob, alice.username, 'via instance two')).data!.sendMessage;
    expect(await bobSees.until(2)).toEqual([fromAlice, fromBob]);
    expect(await aliceSees.until(2)).toEqual([fromAlice, fromBob]);
  });

  it('delivers group messages across them, to members on either instance', async () => {
    const [one, two] = instances as [TestServer, TestServer];
    const [alice, bob, carol, pinger] = await Promise.all([
      signup(one),
      signup(two),
      signup(two),
      signup(one),
    ]);
    const group = await createGroup(one, alice, 'Across', [bob, carol]);
    const on = (server: TestServer) => ({
      server,
      async openClient(user: TestUser) {
        const client = wsClient(server, user.token);
        disposers.push(() => client.dispose());
        await connected(client);
        return client;
      },
    });
    const aliceSees = await openEvents(on(one), alice, pinger);
    const bobSees = await openEvents(on(two), bob, pinger);
    const carolSees = await openEvents(on(one), carol, pinger);

    const fromOne = await send(one, alice, group.id, 'sent to instance one');
    const fromTwo = await send(two, bob, group.id, 'sent to instance two');
    for (const stream of [aliceSees, bobSees, carolSees]) {
      await receivedBody(stream, 'sent to instance two');
      const received = messagesOf(stream.events).filter((message) => message.conversation.id === group.id);
      expect(received.slice(-2).map((message) => message.id)).toEqual([fromOne.id, fromTwo.id]);
    }
  });

  it('ends typing held by one instance when the typist sends through the other', async () => {
    const [one, two] = instances as [TestServer, TestServer];
    const [alice, bob] = await Promise.all([signup(one), signup(one)]);
    const conversationId = await directConversation(one, alice, bob);
    const bobClient = wsClient(one, bob.token);
    disposers.push(() => bobClient.dispose());
    await connected(bobClient);
    const bobSees = new ChatEvents(bobClient);
    disposers.push(bobSees.dispose);
    await bobSees.ready(one, bob, alice);

    await setTyping(one, alice, conversationId);
    await bobSees.next('TypingEvent', alice.username, (event) => event.typing === true);
    await sendMessage(two, alice, bob.username, 'sent elsewhere');
    // The lapse is a minute away: only the message, heard over the bus, can end it within this wait.
    await bobSees.next('TypingEvent', alice.username, (event) => !event.typing);
  });
});
