import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations } from '../src/db/migrations.ts';
import { recentHeads } from '../src/modules/events/events.sql.ts';
import { messagesSince, NO_SEQ_BOUND } from '../src/modules/messages/messages.sql.ts';
import { connectSql, createTestDatabase } from './support/database.ts';

/**
 * Someone in 2,000 conversations, two of them active in the last minute: a new
 * or resuming `events` stream must read the two, not the 2,000 (the plan, not
 * a timing, is what the test checks).
 */
const CONVERSATIONS = 2_000;
const WINDOW_MS = 20_000;

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let sql: pg.Client;
let userId: number;
let active: number[];

beforeAll(async () => {
  database = await createTestDatabase();
  await applyMigrations(database.url);
  sql = await connectSql(database.url);
  const user = await sql.query<{ id: number }>(
    `INSERT INTO users (username, username_key, email, password_hash)
     VALUES ('busy', 'busy', 'busy@example.com', 'x') RETURNING id`,
  );
  userId = user.rows[0]!.id;
  await sql.query(
    `INSERT INTO conversations (kind, title, last_seq, last_stream_seq, last_message_at, last_event_at, created_at)
     SELECT 'GROUP', 'group ' || i, 1, 1, now() - interval '2 days', now() - interval '2 days', now() - interval '3 days'
     FROM generate_series(1, $1) AS i`,
    [CONVERSATIONS],
  );
  await sql.query(`INSERT INTO conversation_members (conversation_id, user_id) SELECT id, $1 FROM conversations`, [
    userId,
  ]);
  await sql.query(
    `INSERT INTO messages (conversation_id, seq, stream_seq, stream_at, kind, sender_id, body, created_at)
     SELECT id, 1, 1, last_message_at, 'TEXT', $1, 'old news', last_message_at FROM conversations`,
    [userId],
  );
  const touched = await sql.query<{ id: number }>(
    `UPDATE conversations SET last_seq = 2, last_stream_seq = 2, last_message_at = now(), last_event_at = now()
     WHERE id IN (SELECT id FROM conversations ORDER BY id LIMIT 2) RETURNING id`,
  );
  active = touched.rows.map((row) => row.id).sort((a, b) => a - b);
  await sql.query(
    `INSERT INTO messages (conversation_id, seq, stream_seq, stream_at, kind, sender_id, body, created_at)
     SELECT id, 2, 2, last_message_at, 'TEXT', $1, 'news', last_message_at FROM conversations WHERE id = ANY($2::int[])`,
    [userId, active],
  );
  await sql.query('ANALYZE');
});

afterAll(async () => {
  await sql?.end();
  await database?.drop();
});

interface PlanNode {
  'Relation Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  Plans?: PlanNode[];
}

/**
 * Rows each table's scans looked at in the statement's actual plan, as PostgreSQL ran it: those
 * a scan returned and those its filter threw away (a sequential scan reads them all).
 */
async function rowsRead(text: string, values: unknown[]): Promise<Map<string, number>> {
  const { rows } = await sql.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(
    `EXPLAIN (ANALYZE, FORMAT JSON) ${text}`,
    values,
  );
  const read = new Map<string, number>();
  const visit = (node: PlanNode) => {
    const relation = node['Relation Name'];
    const looked =
      node['Actual Rows'] + (node['Rows Removed by Filter'] ?? 0) + (node['Rows Removed by Index Recheck'] ?? 0);
    if (relation) read.set(relation, (read.get(relation) ?? 0) + looked * node['Actual Loops']);
    node.Plans?.forEach(visit);
  };
  visit(rows[0]!['QUERY PLAN'][0]!.Plan);
  return read;
}

describe('a stream of someone in 2,000 conversations, two of them active', () => {
  it('opens with the heads of the two active conversations, reading neither the 2,000 memberships nor conversations', async () => {
    const [row] = await recentHeads(sql, userId, WINDOW_MS);
    expect(row!.heads.map((head) => head.id).sort((a, b) => a - b)).toEqual(active);
    const read = await rowsRead(recentHeads.text, [userId, WINDOW_MS]);
    expect(read.get('conversation_members') ?? 0).toBeLessThan(50);
    expect(read.get('conversations') ?? 0).toBeLessThan(50);
  });

  it('resumes by probing the messages of the two active conversations only', async () => {
    const since = new Date(Date.now() - WINDOW_MS);
    const resumed = await messagesSince(sql, userId, since, since, NO_SEQ_BOUND, NO_SEQ_BOUND, 500);
    expect(resumed.map((message) => message.body)).toEqual(['news', 'news']);
    const read = await rowsRead(messagesSince.text, [userId, since, since, NO_SEQ_BOUND, NO_SEQ_BOUND, 500]);
    expect(read.get('conversation_members') ?? 0).toBeLessThan(50);
    expect(read.get('conversations') ?? 0).toBeLessThan(50);
    expect(read.get('messages') ?? 0).toBeLessThan(50);
  });
});
