import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePosition } from '../src/realtime/merged-log-stream.ts';
import { connected, signup, wsClient, type TestUser } from './support/clients.ts';
import { messagesOf, send, subscribeToEvents } from './support/conversations.ts';
import { createTestDatabase } from './support/database.ts';
import { startTestServer, testRedisUrl, uniqueRedisPrefix, type TestServer } from './support/server.ts';

/**
 * A resume costs the server a bounded amount: cursors older than the window or
 * naming positions no stream held are refused, and a person holds a capped
 * number of streams across instances.
 */
const HOUR = 3_600_000;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let one: TestServer;
let two: TestServer;
const disposers: Array<() => unknown> = [];

beforeAll(async () => {
  database = await createTestDatabase();
  const redis = { url: testRedisUrl(), prefix: uniqueRedisPrefix() };
  const env = { EVENTS_RESUME_WINDOW: '1h', MAX_EVENT_STREAMS_PER_USER: '3' };
  [one, two] = await Promise.all([
    startTestServer({ databaseUrl: database.url, redis, env }),
    startTestServer({ databaseUrl: database.url, redis, env }),
  ]);
});

afterAll(async () => {
  for (const dispose of disposers.reverse()) await dispose();
  await one?.stop();
  await two?.stop();
  await database?.drop();
});

async function client(server: TestServer, user: TestUser) {
  const opened = wsClient(server, user.token);
  disposers.push(() => opened.dispose());
  await connected(opened);
  return opened;
}

/** The code of the error a subscription ended with. */
const failure = (subscription: ReturnType<typeof subscribeToEvents>) =>
  subscription.waitFor(() => subscription.error !== undefined, 'the subscription to fail').then(
    () => (subscription.error as Array<{ extensions?: { code?: string } }>)[0]?.extensions?.code,
  );

const cursor = (watermark: number, logs: Array<[number, number, number]> = []) =>
  encodePosition({ watermark, logs: new Map(logs.map(([log, seq, at]) => [log, { seq, at }])) }, 60_000);

describe('resume cursors', () => {
  it('resumes from a recent cursor, and answers CURSOR_EXPIRED to one too old, from the future, or past a head', async () => {
    const [alice, bob] = await Promise.all([signup(one), signup(one)]);
    const first = await send(one, bob, alice, 'before');
    const missed = await send(one, bob, alice, 'missed');
    const conversationId = Number(missed.conversation.id);
    const aliceClient = await client(one, alice);

    const resumed = subscribeToEvents(aliceClient, first.cursor);
    await resumed.waitFor(() => messagesOf(resumed.events).some((message) => message.body === 'missed'), 'missed');
    resumed.dispose();

    const now = Date.now();
    for (const expired of [
      Buffer.from('v1:0:').toString('base64url'),
      cursor(now - 2 * HOUR),
      cursor(now + HOUR),
      cursor(now, [[conversationId, 1_000, now]]),
    ]) {
      const subscription = subscribeToEvents(aliceClient, expired);
      expect(await failure(subscription)).toBe('CURSOR_EXPIRED');
      // Nothing was replayed before the refusal.
      expect(subscription.events).toEqual([]);
    }
  });
});

describe('event streams per person', () => {
  it('caps them across instances, and frees a place when one closes', async () => {
    const carol = await signup(one);
    const [onOne, onTwo] = [await client(one, carol), await client(two, carol)];
    const open = [subscribeToEvents(onOne), subscribeToEvents(onOne), subscribeToEvents(onTwo)];
    // Each is live once it hears a message (each subscription's server side has opened by then).
    const dave = await signup(one);
    await send(one, dave, carol, 'are you there');
    for (const stream of open) await stream.waitFor(() => stream.events.length > 0, 'a live stream');
    const fourth = subscribeToEvents(onTwo);
    expect(await failure(fourth)).toBe('RATE_LIMITED');
    open[0]!.dispose();
    const replacement = subscribeToEvents(onTwo);
    await send(one, dave, carol, 'again');
    await replacement.waitFor(() => replacement.events.length > 0, 'the replacement to be live');
  });
});
