/**
 * `npm run bench:chat-list [-- --conversations 2000 --requests 300]`: one
 * person in `conversations` direct conversations (each with a few messages,
 * some unread) and 20 groups, then their chat list's first page, `conversations(first: 50)`
 * with each row's last message, unread count and members, over HTTP as the
 * web client asks for it, one request after another. Prints the latency
 * percentiles and the statements one page costs.
 */
import { freePort } from '../api/test/support/ports.ts';
import { createBenchDatabase, seedPeople } from './lib/database.ts';
import { startChatServer } from './lib/processes.ts';
import { summarize } from './lib/stats.ts';

const option = (name: string, fallback: number) => {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : Number(process.argv[index + 1]);
};
const conversations = option('conversations', 2_000);
const requests = option('requests', 300);

const database = await createBenchDatabase(
  process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
);
const port = await freePort();
const server = await startChatServer(port, { DATABASE_URL: database.url });
try {
  const [me, ...peers] = await seedPeople(database.sql, `list${port}_`, conversations + 1);
  // Every peer has a direct conversation of 6 messages with me, 3 of them unread, written straight into the tables.
  await database.sql.query(
    `WITH me AS (SELECT id FROM users WHERE username = $1),
     peers AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM users WHERE username <> $1 AND username LIKE $2),
     made AS (
       INSERT INTO conversations (kind, direct_key, last_seq, last_stream_seq, last_message_at, last_event_at)
       SELECT 'DIRECT', least(me.id, peers.id) || ':' || greatest(me.id, peers.id), 6, 6,
              now() - (peers.n || ' seconds')::interval, now() - (peers.n || ' seconds')::interval
       FROM me, peers RETURNING id, direct_key, last_message_at
     ), pairs AS (
       SELECT made.id, made.last_message_at, me.id AS mine, peers.id AS theirs FROM made, me, peers
       WHERE made.direct_key = least(me.id, peers.id) || ':' || greatest(me.id, peers.id)
     ), members AS (
       INSERT INTO conversation_members (conversation_id, user_id, last_read_seq)
       SELECT id, mine, 3 FROM pairs UNION ALL SELECT id, theirs, 6 FROM pairs
     )
     INSERT INTO messages (conversation_id, seq, stream_seq, stream_at, sender_id, body, created_at)
     SELECT pairs.id, seq, seq, pairs.last_message_at - ((6 - seq) || ' minutes')::interval,
            CASE WHEN seq % 2 = 0 THEN pairs.mine ELSE pairs.theirs END,
            'message number ' || seq, pairs.last_message_at - ((6 - seq) || ' minutes')::interval
     FROM pairs, generate_series(1, 6) AS seq`,
    [me!.username, `list${port}_%`],
  );
  await database.sql.query('ANALYZE');
  const query = `{ conversations(first: 50) { edges { node { id kind title unreadCount updatedAt
    lastMessage { id body createdAt sender { username } } memberCount peer { username } } }
    pageInfo { hasNextPage endCursor } } }`;
  const ask = async () => {
    const started = performance.now();
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${me!.token}` },
      body: JSON.stringify({ query }),
    });
    const body = (await response.json()) as {
      data?: { conversations: { edges: unknown[] } };
      errors?: unknown;
    };
    if (!body.data || body.data.conversations.edges.length !== 50)
      throw new Error(JSON.stringify(body).slice(0, 500));
    return performance.now() - started;
  };
  for (let warm = 0; warm < 20; warm++) await ask();
  const samples: number[] = [];
  for (let index = 0; index < requests; index++) samples.push(await ask());
  console.log(
    JSON.stringify({ conversations, peers: peers.length, page: 50, ...summarize(samples) }, null, 2),
  );
} finally {
  await server.stop();
  await database.drop();
}
