import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { gql, MESSAGE_FIELDS, sendMessage, signup, type TestUser } from './support/clients.ts';
import { ChatSocket } from './support/compat-clients.ts';
import { createTestDatabase } from './support/database.ts';
import { RawGraphQLSocket } from './support/raw-sockets.ts';
import { startTestServer, testRedisUrl, uniqueRedisPrefix, type TestServer } from './support/server.ts';
import { waitUntil } from './support/waits.ts';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
/** Redis, a small unread-bytes limit and small stream buffers: slow readers meet the limits fast. */
let flow: TestServer;
/** Short keepalive and idle timeouts. */
let timeouts: TestServer;
/** Few connections, and the default idle timeout: one past the cap is dropped, not timed out. */
let capped: TestServer;
const disposers: Array<() => unknown> = [];

beforeAll(async () => {
  database = await createTestDatabase();
  [flow, timeouts, capped] = await Promise.all([
    startTestServer({
      databaseUrl: database.url,
      redis: { url: testRedisUrl(), prefix: uniqueRedisPrefix() },
      env: {
        WS_MAX_BUFFERED_BYTES: String(256 * 1024),
        STREAM_BUFFER_EVENTS: '16',
        WS_KEEPALIVE_INTERVAL: '60s',
        INTROSPECTION: 'false',
      },
    }),
    startTestServer({
      databaseUrl: database.url,
      redis: false,
      env: { WS_KEEPALIVE_INTERVAL: '200ms', HTTP_IDLE_TIMEOUT: '500ms' },
    }),
    startTestServer({ databaseUrl: database.url, redis: false, env: { MAX_CONNECTIONS: '5' } }),
  ]);
});
afterAll(async () => {
  for (const dispose of disposers.reverse()) await dispose();
  await Promise.all([flow?.stop(), timeouts?.stop(), capped?.stop()]);
  await database?.drop();
});

/** The sockets the `flow` instance holds open, as `/readyz` counts them. */
async function openSockets(): Promise<number> {
  return ((await (await fetch(`${flow.url}/readyz`)).json()) as { sockets: number }).sockets;
}

/** A TCP connection to `server` that never sends a byte, and whether it was closed. */
function openIdle(server: TestServer) {
  const address = new URL(server.url);
  return new Promise<{ socket: Socket; closed: () => boolean }>((resolve, reject) => {
    let closed = false;
    const socket = connect(Number(address.port), address.hostname, () =>
      resolve({ socket, closed: () => closed }),
    );
    socket.on('close', () => (closed = true));
    // Once connected, an error (a reset) only comes with the close it is counted as.
    socket.on('error', reject);
  });
}

/** The live event streams the `flow` instance holds, as `/readyz` counts them. */
async function liveStreams(): Promise<number> {
  return ((await (await fetch(`${flow.url}/readyz`)).json()) as { streams: number }).streams;
}

async function sendMany(from: TestUser, to: TestUser, count: number, body: string) {
  const ids: string[] = [];
  for (let start = 0; start < count; start += 25) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(25, count - start) }, (_, index) =>
        sendMessage(flow, from, to.username, `${start + index} ${body}`),
      ),
    );
    for (const result of batch) ids.push(result.data!.sendMessage.id);
  }
  return ids;
}

const INBOX = `subscription { inbox { id body } }`;
const CONVERSATION = `subscription ($peer: String!, $after: ID) { messageAdded(peer: $peer, after: $after) { id body } }`;

describe('a client that stops reading', () => {
  it('costs bounded buffers while it stalls, and on resuming gets every message once, in order', async () => {
    const [alice, bob] = await Promise.all([signup(flow), signup(flow)]);
    const raw = await RawGraphQLSocket.open(flow, bob.token);
    disposers.push(() => raw.close());
    // The conversation stream resumes after this one, so it cannot miss what follows however late it starts.
    const hello = (await sendMessage(flow, alice, bob.username, 'hello')).data!.sendMessage;
    const streamsBefore = await liveStreams();
    raw.subscribe('inbox', INBOX);
    // The inbox is live only: it must be listening before the first send.
    await waitUntil(async () => (await liveStreams()) === streamsBefore + 1, 'the inbox to subscribe');
    raw.subscribe('conversation', CONVERSATION, { peer: alice.username, after: hello.id });
    const compat = await ChatSocket.open(flow, bob.username, alice.username, bob.token);
    disposers.push(() => compat.socket.terminate());
    const first = (await sendMessage(flow, alice, bob.username, 'before the stall')).data!.sendMessage;
    await waitUntil(
      () =>
        raw.nexts('inbox').length === 1 &&
        raw.nexts('conversation').length === 1 &&
        compat.frames.length === 1,
      'the first message on every stream',
    );

    raw.pause();
    compat.socket.pause();
    // ~12 MB, past what the kernel's socket buffers absorb: the old inbox queued every
    // event, and its 1,025th unread push threw inside the Redis listener, ending the process.
    const ids = await sendMany(alice, bob, 3_000, 'x'.repeat(3_990));
    expect((await fetch(`${flow.url}/healthz`)).status).toBe(200);

    raw.resume();
    compat.socket.resume();
    // Ids are taken under the conversation's lock, so id order is commit order here.
    const expected = [first.id, ...ids].sort((a, b) => Number(a) - Number(b));
    await waitUntil(
      () => raw.nexts('conversation').length >= expected.length,
      'the conversation to catch up',
      30_000,
    );
    await waitUntil(() => compat.frames.length >= expected.length, 'the compat socket to catch up', 30_000);
    expect(raw.nexts('conversation').map((frame) => frame.payload?.data?.messageAdded?.id)).toEqual(expected);
    expect(compat.frames.map((frame) => frame.id)).toEqual(expected);
    // The live-only inbox kept the newest events and dropped the rest instead of queueing them all.
    const inboxIds = raw.nexts('inbox').map((frame) => frame.payload?.data?.inbox?.id);
    expect(inboxIds.length).toBeLessThan(expected.length);
    expect(inboxIds).toContain(expected.at(-1));
  }, 120_000);

  it('is closed as too slow once its unread answers pass the limit', async () => {
    const [alice, bob] = await Promise.all([signup(flow), signup(flow)]);
    await sendMany(alice, bob, 200, 'y'.repeat(3_990));
    const before = await openSockets();
    const raw = await RawGraphQLSocket.open(flow, bob.token);
    disposers.push(() => raw.close());
    raw.pause();
    // Each answer is ~800 KB: 60 of them are more than the kernel's socket buffers
    // hold, so once they are full an answer stays unsent, past the 256 KB limit.
    for (let index = 0; index < 60; index++) {
      raw.subscribe(
        `page-${index}`,
        `query ($peer: String!) { conversation(peer: $peer, last: 200) { edges { node { id body } } } }`,
        { peer: alice.username },
      );
    }
    await waitUntil(async () => (await openSockets()) === before, 'the server to drop the socket', 60_000);
    raw.resume();
    // 1008 is sent behind the unsent answers; the socket is cut 2 s later whether or not it was read.
    expect([1006, 1008]).toContain(await raw.closed());
    const answered = Array.from({ length: 60 }, (_, index) => raw.nexts(`page-${index}`).length).filter(Boolean);
    expect(answered.length).toBeLessThan(60);
  }, 90_000);
});

describe('operation ids', () => {
  it('refuses an id still in use, so reusing one can neither bypass the cap nor orphan a stream', async () => {
    const [alice, bob] = await Promise.all([signup(flow), signup(flow)]);
    const streamsBefore = await liveStreams();
    const raw = await RawGraphQLSocket.open(flow, bob.token);
    disposers.push(() => raw.close());
    const query = `subscription ($peer: String!) { messageAdded(peer: $peer) { ${MESSAGE_FIELDS} } }`;
    for (let round = 0; round < 100; round++) {
      raw.subscribe('x', query, { peer: alice.username });
      raw.complete('x');
    }
    expect(await raw.closed()).toBe(4409);
    await waitUntil(async () => (await liveStreams()) === streamsBefore, 'every stream of the socket to end');
  });
});

describe('stream lifetimes', () => {
  it('releases the stream of a compat socket closed while it was opening', async () => {
    const [alice, bob] = await Promise.all([signup(flow), signup(flow)]);
    const url = `${flow.url.replace(/^http/, 'ws')}/ws/chat/${bob.username}/${alice.username}/`;
    const before = await openSockets();
    const streamsBefore = await liveStreams();
    await Promise.all(
      Array.from(
        { length: 20 },
        () =>
          new Promise<void>((done) => {
            const socket = new WebSocket(url, { headers: { cookie: `sessionid=${bob.token}` } });
            socket.once('upgrade', () => setImmediate(() => socket.terminate()));
            socket.once('close', () => done());
            socket.once('error', () => done());
          }),
      ),
    );
    await waitUntil(async () => {
      return (await openSockets()) === before && (await liveStreams()) === streamsBefore;
    }, 'no sockets and no streams left');
  });
});

describe('introspection', () => {
  it('is off on graphql-ws as well as over HTTP when disabled', async () => {
    const user = await signup(flow);
    const query = '{ __schema { queryType { name } } }';
    const http = await gql(flow, query, {}, { token: user.token });
    expect(http.data ?? null).toBeNull();
    const raw = await RawGraphQLSocket.open(flow, user.token);
    disposers.push(() => raw.close());
    raw.subscribe('schema', query);
    await waitUntil(() => raw.frames.some((frame) => frame.id === 'schema'), 'an answer');
    const answer = raw.frames.find((frame) => frame.id === 'schema')!;
    expect(answer.type).toBe('error');
    expect(JSON.stringify(answer.payload)).toContain('introspection');
  });
});

describe('idle and dead connections', () => {
  it('pings WebSockets and cuts one that stops answering, keeping those that answer', async () => {
    // Signed up through the other instance on the same database: a signup (argon2) on a loaded
    // machine can leave its connection quiet past this one's 500 ms idle timeout, which cuts it.
    const [alice, bob] = await Promise.all([signup(flow), signup(flow)]);
    const url = `${timeouts.url.replace(/^http/, 'ws')}/ws/chat/${bob.username}/${alice.username}/`;
    const open = (autoPong: boolean) => {
      const socket = new WebSocket(url, { headers: { cookie: `sessionid=${bob.token}` }, autoPong });
      disposers.push(() => socket.terminate());
      const state = { pings: 0, closed: false };
      socket.on('ping', () => state.pings++);
      socket.on('close', () => (state.closed = true));
      return state;
    };
    const silent = open(false);
    const answering = open(true);
    await waitUntil(() => silent.closed, 'the silent socket to be cut');
    await waitUntil(() => answering.pings >= 5, 'five pings to the answering socket');
    expect(answering.closed).toBe(false);
  });

  it('closes TCP connections that never send a request', async () => {
    const idle = await Promise.all(Array.from({ length: 5 }, () => openIdle(timeouts)));
    disposers.push(() => idle.forEach(({ socket }) => socket.destroy()));
    await waitUntil(() => idle.every(({ closed }) => closed()), 'every idle connection to be closed');
    expect((await fetch(`${timeouts.url}/healthz`)).status).toBe(200);
  });

  it('drops connections past MAX_CONNECTIONS, keeping those within it', async () => {
    // Its idle timeout is the default 30 s: a connection closed sooner was dropped by the cap.
    const within = await Promise.all(Array.from({ length: 5 }, () => openIdle(capped)));
    disposers.push(() => within.forEach(({ socket }) => socket.destroy()));
    const past = await openIdle(capped);
    disposers.push(() => past.socket.destroy());
    await waitUntil(past.closed, 'the connection past the cap to be dropped');
    expect(within.map(({ closed }) => closed())).toEqual(within.map(() => false));

    for (const { socket } of within) socket.destroy();
    await waitUntil(
      () =>
        fetch(`${capped.url}/healthz`).then(
          (response) => response.ok,
          () => false,
        ),
      'room for a request again',
    );
  });
});
