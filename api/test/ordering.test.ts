import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import {
  connected,
  gql,
  sendMessage,
  signup,
  subscribeToConversation,
  wsClient,
  type TestUser,
} from './support/clients.ts';
import { connectSql } from './support/database.ts';
import { useTestServer } from './support/harness.ts';

const harness = useTestServer();

async function sql() {
  const client = await connectSql(harness.database.url);
  harness.defer(() => client.end());
  return client;
}

async function conversationOf(alice: TestUser, bob: TestUser) {
  const first = (await sendMessage(harness.server, alice, bob.username, 'first')).data!.sendMessage;
  const client = await sql();
  const { rows } = await client.query('SELECT conversation_id FROM messages WHERE id = $1', [first.id]);
  return { conversationId: rows[0].conversation_id as number, firstId: first.id };
}

/** Resolves once some backend of this database waits on a lock: a blocked writer, seen without sleeping. */
async function waitForLockWait(client: pg.Client, timeoutMs = 10_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await client.query(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
    );
    if (rows[0].n > 0) return;
    if (Date.now() > end) throw new Error('no writer ended up waiting for the conversation lock');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('commit order', () => {
  it('negative control: an id cursor skips a row whose transaction commits after a later id', async () => {
    const [alice, bob] = await Promise.all([signup(harness.server), signup(harness.server)]);
    const { conversationId, firstId } = await conversationOf(alice, bob);
    const [slow, fast, reader] = await Promise.all([sql(), sql(), sql()]);
    const naiveInsert = (client: pg.Client, seq: number) =>
      client.query<{ id: string }>(
        `INSERT INTO messages (conversation_id, seq, stream_seq, stream_at, sender_id, body)
         VALUES ($1, $2, $2, now(), $3, $4) RETURNING id`,
        [conversationId, seq, Number(alice.id), `naive ${seq}`],
      );

    await slow.query('BEGIN');
    const slowId = (await naiveInsert(slow, 1_000_001)).rows[0]!.id;
    await fast.query('BEGIN');
    const fastId = (await naiveInsert(fast, 1_000_002)).rows[0]!.id;
    await fast.query('COMMIT');
    expect(BigInt(fastId)).toBeGreaterThan(BigInt(slowId));

    const seen: string[] = [];
    const poll = async () => {
      const last = seen.at(-1) ?? firstId;
      const { rows } = await reader.query(
        'SELECT id FROM messages WHERE conversation_id = $1 AND id > $2 ORDER BY id',
        [conversationId, last],
      );
      seen.push(...rows.map((row) => String(row.id)));
    };
    await poll();
    await slow.query('COMMIT');
    await poll();
    expect(seen).toEqual([fastId]);
    const { rows } = await reader.query('SELECT count(*)::int AS n FROM messages WHERE id = $1', [slowId]);
    expect(rows[0].n).toBe(1);
  });

  it('a resuming subscriber gets a late-committing row: writers queue on the conversation lock in seq order', async () => {
    const [alice, bob] = await Promise.all([signup(harness.server), signup(harness.server)]);
    const { conversationId, firstId } = await conversationOf(alice, bob);
    const [slow, observer] = await Promise.all([sql(), sql()]);
    const client = await harness.openClient(bob);
    const subscriber = subscribeToConversation(client, alice.username, firstId);

    // A writer that follows the protocol but has not committed yet (and never publishes).
    await slow.query('BEGIN');
    const { rows } = await slow.query(
      `WITH bumped AS (
         UPDATE conversations SET last_seq = last_seq + 1, last_stream_seq = last_stream_seq + 1, last_event_at = now()
         WHERE id = $1 RETURNING id, last_seq, last_stream_seq, last_event_at)
       INSERT INTO messages (conversation_id, seq, stream_seq, stream_at, sender_id, body)
       SELECT id, last_seq, last_stream_seq, last_event_at, $2, 'slow' FROM bumped RETURNING id`,
      [conversationId, Number(alice.id)],
    );
    const slowId = String(rows[0].id);
    const fastSend = sendMessage(harness.server, bob, alice.username, 'fast');
    await waitForLockWait(observer);
    await slow.query('COMMIT');
    const fastId = (await fastSend).data!.sendMessage.id;

    const events = await subscriber.until(2);
    expect(events.map((event) => event.id)).toEqual([slowId, fastId]);
  });

  it('20 concurrent writers: a subscriber that keeps disconnecting and resuming with `after` misses and repeats nothing', async () => {
    const [alice, bob] = await Promise.all([signup(harness.server), signup(harness.server)]);
    const { firstId } = await conversationOf(alice, bob);
    const writers = 20;
    const perWriter = 25;
    const total = writers * perWriter;

    const received: string[] = [];
    let writing = true;
    const resumingReader = (async () => {
      while (received.length < total) {
        const client = wsClient(harness.server, bob.token);
        try {
          await connected(client);
          const subscription = subscribeToConversation(client, alice.username, received.at(-1) ?? firstId);
          // Take a few messages (or whatever is left), then drop the connection mid-stream.
          const want = Math.min(total - received.length, writing ? 17 : total - received.length);
          await subscription.until(want, 30_000);
          received.push(...subscription.events.map((event) => event.id));
        } finally {
          await client.dispose();
        }
      }
    })();

    await Promise.all(
      Array.from({ length: writers }, async (_, writer) => {
        const from = writer % 2 === 0 ? alice : bob;
        const to = writer % 2 === 0 ? bob : alice;
        for (let index = 0; index < perWriter; index++) {
          const result = await sendMessage(harness.server, from, to.username, `w${writer}-${index}`);
          expect(result.errors).toBeUndefined();
        }
      }),
    );
    writing = false;
    await resumingReader;

    const commitOrder: string[] = [];
    let before: string | null = null;
    for (;;) {
      const page: any = await gql(
        harness.server,
        'query ($peer: String!, $before: String) { conversation(peer: $peer, last: 200, before: $before) { edges { node { id } } pageInfo { hasPreviousPage startCursor } } }',
        { peer: bob.username, before },
        { token: alice.token },
      );
      commitOrder.unshift(...page.data.conversation.edges.map((edge: any) => edge.node.id));
      if (!page.data.conversation.pageInfo.hasPreviousPage) break;
      before = page.data.conversation.pageInfo.startCursor;
    }
    expect(received).toEqual(commitOrder.slice(1));
  });
});

describe('the write path', () => {
  /** The conversation's counter and stored seqs, straight from PostgreSQL. */
  async function stored(conversationId: number) {
    const client = await sql();
    const { rows } = await client.query(
      `SELECT c.last_seq AS "lastSeq", coalesce(array_agg(m.seq ORDER BY m.seq) FILTER (WHERE m.seq IS NOT NULL), '{}') AS seqs
       FROM conversations c LEFT JOIN messages m ON m.conversation_id = c.id
       WHERE c.id = $1 GROUP BY c.id`,
      [conversationId],
    );
    return rows[0] as { lastSeq: number; seqs: number[] };
  }

  it('racing retries of one clientId store one message and leave no seq hole', async () => {
    const [alice, bob] = await Promise.all([signup(harness.server), signup(harness.server)]);
    const { conversationId } = await conversationOf(alice, bob);
    for (let round = 0; round < 5; round++) {
      const retries = Array.from({ length: 20 }, () =>
        sendMessage(harness.server, alice, bob.username, `retried ${round}`, `race-${round}`),
      );
      const others = Array.from({ length: 10 }, (_, index) =>
        sendMessage(
          harness.server,
          index % 2 ? alice : bob,
          (index % 2 ? bob : alice).username,
          `other ${index}`,
        ),
      );
      const answers = await Promise.all(retries);
      for (const answer of [...answers, ...(await Promise.all(others))])
        expect(answer.errors).toBeUndefined();
      expect(new Set(answers.map((answer) => answer.data!.sendMessage.id)).size).toBe(1);
    }
    const { lastSeq, seqs } = await stored(conversationId);
    expect(seqs).toEqual(Array.from({ length: 1 + 5 * 11 }, (_, index) => index + 1));
    expect(lastSeq).toBe(seqs.length);
  });

  it('200 concurrent sends: createdAt never goes backwards in seq order', async () => {
    const [alice, bob] = await Promise.all([signup(harness.server), signup(harness.server)]);
    const { conversationId } = await conversationOf(alice, bob);
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, index) =>
        sendMessage(harness.server, index % 2 ? alice : bob, (index % 2 ? bob : alice).username, `m${index}`),
      ),
    );
    for (const answer of answers) expect(answer.errors).toBeUndefined();
    const client = await sql();
    const { rows } = await client.query(
      `SELECT seq, created_at AS "createdAt", lag(created_at) OVER (ORDER BY seq) AS "previous"
       FROM messages WHERE conversation_id = $1 ORDER BY seq`,
      [conversationId],
    );
    expect(rows).toHaveLength(201);
    const backwards = rows.filter((row) => row.previous !== null && row.createdAt < row.previous);
    expect(backwards).toEqual([]);
  });

  it('stamps a message no earlier than the previous one when the clock is behind it', async () => {
    const [alice, bob] = await Promise.all([signup(harness.server), signup(harness.server)]);
    const { conversationId, firstId } = await conversationOf(alice, bob);
    const client = await sql();
    // As if the previous send ran while the clock was an hour ahead, and the clock has since stepped back.
    const { rows } = await client.query(
      `WITH ahead AS (UPDATE messages SET created_at = created_at + interval '1 hour' WHERE id = $1 RETURNING created_at)
       UPDATE conversations SET last_message_at = (SELECT created_at FROM ahead), last_event_at = (SELECT created_at FROM ahead)
       WHERE id = $2 RETURNING last_event_at AS "ahead"`,
      [firstId, conversationId],
    );
    const next = (await sendMessage(harness.server, bob, alice.username, 'after the step')).data!.sendMessage;
    expect(new Date(next.createdAt).getTime()).toBeGreaterThanOrEqual(rows[0].ahead.getTime());
  });
});
