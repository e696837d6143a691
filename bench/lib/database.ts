import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Account, LiveRun } from './protocol.ts';
import type { Maintenance } from './results.ts';

/** A database of the bench's own on the PostgreSQL server at `serverUrl`, dropped by `drop()`. */
export async function createBenchDatabase(serverUrl: string) {
  const name = `chat_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const sql = new pg.Pool({ connectionString: url.toString(), max: 2 });
  return {
    url: url.toString(),
    sql,
    drop: async () => {
      await sql.end();
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/**
 * `count` people named `<prefix>0…`, each with a live session, written straight
 * into the tables: signing up 10,000 people through the API would measure
 * argon2, not the chat. The password hash is a placeholder nobody can log in with.
 */
export async function seedPeople(sql: pg.Pool, prefix: string, count: number): Promise<Account[]> {
  const accounts = Array.from({ length: count }, (_, index) => ({
    username: `${prefix}${index}`,
    token: randomBytes(32).toString('base64url'),
  }));
  await sql.query(
    `WITH people AS (
       INSERT INTO users (username, username_key, email, password_hash)
       SELECT name, lower(name), 'bench@example.com', '!' FROM unnest($1::text[]) AS name
       RETURNING id, username
     )
     INSERT INTO sessions (id, token_hash, user_id, expires_at)
     SELECT gen_random_uuid(), sha256(convert_to(token, 'UTF8')), people.id, now() + interval '1 day'
     FROM unnest($1::text[], $2::text[]) AS seeded(name, token) JOIN people ON people.username = seeded.name`,
    [accounts.map((account) => account.username), accounts.map((account) => account.token)],
  );
  return accounts;
}

/**
 * A direct conversation between `reader` and each of `peers`, each with
 * `messagesEach` messages as if the two had written them in turn; returns
 * the conversations' ids.
 */
export async function seedConversations(
  sql: pg.Pool,
  reader: Account,
  peers: Account[],
  messagesEach: number,
) {
  const { rows } = await sql.query<{ id: number }>(
    `WITH reader AS (
       SELECT id FROM users WHERE username = $1
     ), pairs AS (
       SELECT least(reader.id, peer.id) AS low, greatest(reader.id, peer.id) AS high
       FROM reader, users AS peer WHERE peer.username = ANY($2::text[])
     ), conversation AS (
       INSERT INTO conversations (kind, direct_key, last_seq, last_stream_seq, last_message_at, last_event_at)
       SELECT 'DIRECT', low || ':' || high, $3, $3, now(), now() FROM pairs RETURNING id, direct_key
     ), members AS (
       INSERT INTO conversation_members (conversation_id, user_id)
       SELECT conversation.id, member
       FROM conversation JOIN pairs ON conversation.direct_key = pairs.low || ':' || pairs.high,
            unnest(ARRAY[pairs.low, pairs.high]) AS member
     ), messages AS (
       INSERT INTO messages (conversation_id, seq, stream_seq, stream_at, sender_id, body, created_at)
       SELECT conversation.id, seq, seq, now() - (($3 - seq) || ' seconds')::interval,
              CASE WHEN seq % 2 = 0 THEN pairs.low ELSE pairs.high END,
              'message number ' || seq, now() - (($3 - seq) || ' seconds')::interval
       FROM conversation JOIN pairs ON conversation.direct_key = pairs.low || ':' || pairs.high,
            generate_series(1, $3::int) AS seq
     )
     SELECT id FROM conversation`,
    [reader.username, peers.map((peer) => peer.username), messagesEach],
  );
  await sql.query('ANALYZE');
  return rows.map((row) => String(row.id));
}

/**
 * One run's messages as the target stored them (their bodies are `<tag>:<index>`),
 * checked one by one: each accepted message must be there once, and each the
 * target refused not at all. Returns the rows found and the messages that fail that.
 */
export async function storageOf(
  sql: pg.Pool,
  table: 'messages' | 'reference_messages',
  tag: string,
  run: Pick<LiveRun, 'sent' | 'refused'>,
) {
  const { rows } = await sql.query<{ index: number; count: number }>(
    `SELECT substr(body, $2)::int AS index, count(*)::int AS count FROM ${table} WHERE body LIKE $1 GROUP BY 1`,
    [`${tag}:%`, tag.length + 2],
  );
  const copies = new Map(rows.map((row) => [row.index, row.count]));
  const refused = new Set(run.refused);
  let misstored = 0;
  for (let index = 0; index < run.sent; index++)
    if ((copies.get(index) ?? 0) !== (refused.has(index) ? 0 : 1)) misstored++;
  return { stored: rows.reduce((sum, row) => sum + row.count, 0), misstored };
}

/**
 * Runs `work` and tells what PostgreSQL did on its own meanwhile: whether a
 * checkpoint ended (the control file's latest checkpoint changed), and how many
 * autovacuum and autoanalyze runs the bench database's tables had.
 */
export async function duringMaintenance<T>(sql: pg.Pool, work: () => Promise<T>) {
  const read = async () => {
    const { rows } = await sql.query<{ checkpoint: string; autovacuums: number; autoanalyzes: number }>(
      `SELECT (SELECT checkpoint_time FROM pg_control_checkpoint())::text AS checkpoint,
              coalesce(sum(autovacuum_count), 0)::int AS autovacuums,
              coalesce(sum(autoanalyze_count), 0)::int AS autoanalyzes
       FROM pg_stat_user_tables`,
    );
    return rows[0]!;
  };
  const before = await read();
  const result = await work();
  const after = await read();
  const maintenance: Maintenance = {
    checkpoint: after.checkpoint !== before.checkpoint,
    autovacuums: after.autovacuums - before.autovacuums,
    autoanalyzes: after.autoanalyzes - before.autoanalyzes,
  };
  return { result, maintenance };
}
