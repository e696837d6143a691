import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connected, signup, wsClient, type TestUser } from './support/clients.ts';
import {
  createGroup,
  messagesOf as newMessagesOf,
  subscribeToEvents,
  type ChatEvent,
  type UpdatedMessage,
} from './support/conversations.ts';
import { createTestDatabase } from './support/database.ts';
import { addReaction, deleteMessage, editMessage, ok, sendInto } from './support/message-changes.ts';
import { useServerBehindFaults } from './support/outage-server.ts';
import { startTestServer, testRedisUrl, uniqueRedisPrefix, type TestServer } from './support/server.ts';
import { waitUntil } from './support/waits.ts';

const faults = useServerBehindFaults();
const server = () => faults.server;

/** The latest state of each message among `events`' updates, by id. */
const latestStates = (events: readonly ChatEvent[]) => {
  const states = new Map<string, UpdatedMessage>();
  for (const event of events) if (event.__typename === 'MessageUpdatedEvent') states.set(event.message.id, event.message);
  return states;
};

async function eventsOf(target: Pick<TestServer, 'wsUrl'>, user: TestUser, after: string) {
  const client = wsClient(target, user.token);
  faults.defer(() => client.dispose());
  await connected(client);
  return { client, events: subscribeToEvents(client, after) };
}

/** Three messages from alice, and bob's stream (on `streamOn`) live after them. */
async function scene(target: Pick<TestServer, 'url' | 'wsUrl'> = server(), streamOn = target) {
  const [alice, bob] = [await signup(target), await signup(target)];
  const group = (await createGroup(target, alice, 'Changes', [bob])).id;
  const messages = [];
  for (const body of ['to edit', 'to delete', 'to react to'])
    messages.push(ok(await sendInto(target, alice, group, body)).sendMessage);
  const stream = await eventsOf(streamOn, bob, messages[0]!.cursor);
  await stream.events.waitFor(() => newMessagesOf(stream.events.events).length === 2, 'the later two messages');
  return { alice, bob, group, messages, stream };
}

/** Edits the first, deletes the second, reacts to the third. */
async function change(target: Pick<TestServer, 'url'>, alice: TestUser, bob: TestUser, ids: string[]) {
  ok(await editMessage(target, alice, ids[0]!, 'edited'));
  ok(await deleteMessage(target, alice, ids[1]!));
  ok(await addReaction(target, bob, ids[2]!, '🎉'));
}

function expectChanged(states: Map<string, UpdatedMessage>, ids: string[]) {
  expect(states.get(ids[0]!)).toMatchObject({ body: 'edited', deletedAt: null });
  expect(states.get(ids[0]!)!.editedAt).not.toBeNull();
  expect(states.get(ids[1]!)).toMatchObject({ body: '', reactions: [] });
  expect(states.get(ids[1]!)!.deletedAt).not.toBeNull();
  expect(states.get(ids[2]!)).toMatchObject({ body: 'to react to', reactions: [{ emoji: '🎉', count: 1 }] });
}

describe('changes on the events stream', () => {
  it('never brings a change before the message it changes', async () => {
    const { alice, group, stream } = await scene();
    const ids: string[] = [];
    for (let index = 0; index < 20; index++) {
      const message = ok(await sendInto(server(), alice, group, `m${index}`)).sendMessage;
      ids.push(message.id);
      await Promise.all([editMessage(server(), alice, message.id, `m${index}!`), addReaction(server(), alice, message.id, '👍')]);
    }
    await stream.events.waitFor(
      () => ids.every((id) => latestStates(stream.events.events).get(id)?.reactions.length === 1),
      'every change',
    );
    const order = stream.events.events.map((event) =>
      event.__typename === 'MessageEvent' || event.__typename === 'MessageUpdatedEvent'
        ? `${event.__typename === 'MessageEvent' ? 'new' : 'changed'}:${event.message.id}`
        : event.__typename,
    );
    for (const id of ids) {
      const arrived = order.indexOf(`new:${id}`);
      expect(arrived).toBeGreaterThanOrEqual(0);
      expect(order.findIndex((item) => item === `changed:${id}`)).toBeGreaterThan(arrived);
    }
  });

  it('brings every change made during a Redis cut to a connected stream once Redis is back', async () => {
    const { alice, bob, messages, stream } = await scene();
    const ids = messages.map((message) => message.id);
    faults.redisProxy.cut();
    try {
      await waitUntil(async () => (await faults.readiness()).status === 503, 'the cut to be noticed');
      await change(server(), alice, bob, ids);
    } finally {
      faults.redisProxy.restore();
    }
    // No message follows to reveal them: only the resync after the reconnect can.
    await stream.events.waitFor(() => latestStates(stream.events.events).size === 3, 'the three changes', 20_000);
    expectChanged(latestStates(stream.events.events), ids);
  });

  it('brings the latest state of each message changed while away to a stream that resumes', async () => {
    const { alice, bob, messages, stream } = await scene();
    const ids = messages.map((message) => message.id);
    const cursor = (stream.events.events.at(-1) as { cursor: string }).cursor;
    stream.events.dispose();
    faults.redisProxy.cut();
    try {
      await waitUntil(async () => (await faults.readiness()).status === 503, 'the cut to be noticed');
      await change(server(), alice, bob, ids);
      ok(await editMessage(server(), alice, ids[0]!, 'edited twice'));
      ok(await editMessage(server(), alice, ids[0]!, 'edited'));
    } finally {
      faults.redisProxy.restore();
    }
    const resumed = await eventsOf(server(), bob, cursor);
    await resumed.events.waitFor(() => latestStates(resumed.events.events).size === 3, 'the three changes');
    expectChanged(latestStates(resumed.events.events), ids);
    // The latest state once per message, not every step.
    expect(resumed.events.events.filter((event) => event.__typename === 'MessageUpdatedEvent')).toHaveLength(3);
  });
});

describe('changes across instances', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let instances: TestServer[] = [];
  beforeAll(async () => {
    database = await createTestDatabase();
    const redis = { url: testRedisUrl(), prefix: uniqueRedisPrefix() };
    instances = await Promise.all([1, 2].map(() => startTestServer({ databaseUrl: database.url, redis })));
  });
  afterAll(async () => {
    await Promise.all(instances.map((instance) => instance.stop()));
    await database?.drop();
  });

  it('reach a member whose stream is on another instance', async () => {
    const [first, second] = instances as [TestServer, TestServer];
    const { alice, bob, messages, stream } = await scene(first, second);
    const ids = messages.map((message) => message.id);
    await change(first, alice, bob, ids);
    await stream.events.waitFor(() => latestStates(stream.events.events).size === 3, 'the three changes');
    expectChanged(latestStates(stream.events.events), ids);
  });
});
