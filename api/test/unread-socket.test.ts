import { readFileSync } from 'node:fs';
import type pg from 'pg';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendMessage, signup, type TestUser } from './support/clients.ts';
import { connectSql, createTestDatabase } from './support/database.ts';
import { startMain, type MainProcess } from './support/main-process.ts';
import { waitUntil } from './support/waits.ts';

/**
 * A client that queues many big queries on one socket and stops reading must
 * not make the server run them all and hold their results: the real process
 * (so its memory is its own) is asked for 50 history pages of 600 messages and
 * measured.
 */
const QUERIES = 50;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let sql: pg.Client;
let main: MainProcess & { stop: () => void };
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  database = await createTestDatabase();
  main = await startMain(database.url);
  sql = await connectSql(database.url);
  [alice, bob] = [await signup(main.server), await signup(main.server)];
  const first = await sendMessage(main.server, alice, bob.username, 'first');
  const conversationId = Number(
    (await sql.query('SELECT conversation_id FROM messages WHERE id = $1', [first.data!.sendMessage.id])).rows[0]
      .conversation_id,
  );
  await sql.query(
    `INSERT INTO messages (conversation_id, seq, stream_seq, stream_at, kind, sender_id, body, created_at)
     SELECT $1, 1 + i, 1 + i, now(), 'TEXT', $2, repeat('x', 500), now() FROM generate_series(1, 600) AS i`,
    [conversationId, Number(alice.id)],
  );
  await sql.query('UPDATE conversations SET last_seq = 601, last_stream_seq = 601 WHERE id = $1', [conversationId]);
});

afterAll(async () => {
  main?.stop();
  await sql?.end();
  await database?.drop();
});

const PAGES = `query ($peer: String!) {
  a: conversation(peer: $peer, last: 200) { edges { node { id body } } }
  b: conversation(peer: $peer, first: 200) { edges { node { id body } } }
  c: conversation(peer: $peer, first: 200, after: "${Buffer.from('seq:200').toString('base64url')}") { edges { node { id body } } }
}`;

/** The child's resident memory (kB) and CPU time (ticks), from /proc. */
function usage(pid: number) {
  const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return { rssKb: rss, cpu: Number(fields[11]) + Number(fields[12]) };
}

/**
 * Waits until the process has been idle for a second (at most a tick, 10 ms, in each quarter:
 * its job queue's and mail queue's polls cost a few ms every 2 s): it has done what it was going to do.
 */
async function quiet(pid: number) {
  let last = usage(pid).cpu;
  let still = 0;
  await waitUntil(async () => {
    await new Promise((tick) => setTimeout(tick, 250));
    const now = usage(pid).cpu;
    still = now - last <= 1 ? still + 1 : 0;
    last = now;
    return still >= 4;
  }, 'the server to go quiet', 30_000);
}

describe('a graphql-ws client that queues 50 big queries and stops reading', () => {
  it('costs the server a bounded amount, and gets every answer once it reads again', async () => {
    const socket = new WebSocket(main.server.wsUrl, 'graphql-transport-ws');
    const answered = new Set<string>();
    let closedWith: number | undefined;
    let acknowledged = false;
    socket.on('close', (code) => (closedWith = code));
    socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString()) as { type: string; id?: string };
      if (message.type === 'connection_ack') acknowledged = true;
      if (message.type === 'next' && message.id) answered.add(message.id);
    });
    await new Promise((open) => socket.once('open', open));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authToken: alice.token } }));
    // A subscribe before the ack is the protocol's 4401: on a busy machine the ack takes a while.
    await waitUntil(() => acknowledged || closedWith !== undefined, 'the connection to be acknowledged');
    expect(closedWith).toBeUndefined();
    const subscribe = (id: string) =>
      socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query: PAGES, variables: { peer: bob.username } } }));
    subscribe('warm-up');
    // The child's first query compiles everything it touches: on a busy machine that takes a while.
    await waitUntil(() => answered.has('warm-up'), 'the warm-up answer', 60_000);

    // The first half fills what the socket may hold; the second half must cost nothing more.
    (socket as unknown as { _socket: { pause(): void } })._socket.pause();
    const queue = async (from: number, to: number) => {
      for (let index = from; index < to; index++) subscribe(`q${index}`);
      await quiet(main.child.pid!);
      return usage(main.child.pid!).rssKb;
    };
    const half = await queue(0, QUERIES / 2);
    const all = await queue(QUERIES / 2, QUERIES);
    expect((all - half) / 1024).toBeLessThan(10);

    (socket as unknown as { _socket: { resume(): void } })._socket.resume();
    await waitUntil(() => answered.size === QUERIES + 1 || closedWith !== undefined, 'every answer', 30_000);
    expect({ answers: answered.size - 1, closedWith }).toEqual({ answers: QUERIES, closedWith: undefined });
    socket.close();
  });
});
