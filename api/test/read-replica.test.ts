import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations } from '../src/db/migrations.ts';
import { gql, signup, type TestUser } from './support/clients.ts';
import { send } from './support/conversations.ts';
import { connectSql, createTestDatabase } from './support/database.ts';
import { startTestServer, type TestServer } from './support/server.ts';

// A stand-in for a replica: a database of its own, holding the same people and conversation as
// the primary but another message, so that what a request answers shows where it read.
let primary: Awaited<ReturnType<typeof createTestDatabase>>;
let replica: Awaited<ReturnType<typeof createTestDatabase>>;
let server: TestServer;
let primarySql: pg.Client;
let replicaSql: pg.Client;

beforeAll(async () => {
  [primary, replica] = await Promise.all([createTestDatabase(), createTestDatabase()]);
  await applyMigrations(replica.url);
  server = await startTestServer({ databaseUrl: primary.url, env: { DATABASE_REPLICA_URL: replica.url } });
  [primarySql, replicaSql] = await Promise.all([connectSql(primary.url), connectSql(replica.url)]);
});
afterAll(async () => {
  await Promise.all([primarySql?.end(), replicaSql?.end()]);
  await server?.stop();
  await Promise.all([primary?.drop(), replica?.drop()]);
});

/** Copies the rows of `table` that `where` picks from the primary to the replica, as replication would. */
async function replicate(table: 'users' | 'conversations' | 'conversation_members', where: string, ids: number[]) {
  const { rows } = await primarySql.query<{ copied: unknown }>(
    `SELECT coalesce(json_agg(t), '[]') AS copied FROM ${table} t WHERE ${where} = ANY($1::int[])`,
    [ids],
  );
  await replicaSql.query(`INSERT INTO ${table} SELECT * FROM json_populate_recordset(null::${table}, $1)`, [
    JSON.stringify(rows[0]!.copied),
  ]);
}

const bodies = (page: { edges: Array<{ node: { body: string } }> } | undefined) => page?.edges.map((edge) => edge.node.body);

describe('with DATABASE_REPLICA_URL', () => {
  let alice: TestUser;
  let bob: TestUser;
  let conversationId: string;

  beforeAll(async () => {
    [alice, bob] = [await signup(server), await signup(server)];
    const sent = await send(server, alice, bob, 'on the primary');
    conversationId = sent.conversation.id;
    await replicate('users', 'id', [Number(alice.id), Number(bob.id)]);
    await replicate('conversations', 'id', [Number(conversationId)]);
    await replicate('conversation_members', 'conversation_id', [Number(conversationId)]);
    await replicaSql.query(
      `INSERT INTO messages (conversation_id, seq, stream_seq, stream_at, sender_id, body)
       VALUES ($1, 1, 1, now(), $2, 'only on the replica')`,
      [Number(conversationId), Number(alice.id)],
    );
  });

  it('reads history pages there: the web client’s and the deprecated one by peer', async () => {
    const byId = await gql<{ conversationById: { messages: { edges: Array<{ node: { body: string } }> } } }>(
      server,
      'query ($id: ID!) { conversationById(id: $id) { messages(last: 10) { edges { node { body } } } } }',
      { id: conversationId },
      { token: bob.token },
    );
    expect(bodies(byId.data?.conversationById.messages)).toEqual(['only on the replica']);
    const byPeer = await gql<{ conversation: { edges: Array<{ node: { body: string } }> } }>(
      server,
      'query ($peer: String!) { conversation(peer: $peer, last: 10) { edges { node { body } } } }',
      { peer: alice.username },
      { token: bob.token },
    );
    expect(bodies(byPeer.data?.conversation)).toEqual(['only on the replica']);
  });

  it('decides access and answers a single message on the primary', async () => {
    const stranger = await signup(server);
    const refused = await gql(
      server,
      'query ($id: ID!) { conversationById(id: $id) { messages(last: 10) { edges { node { body } } } } }',
      { id: conversationId },
      { token: stranger.token },
    );
    expect(refused.data?.conversationById ?? null).toBeNull();
    const latest = await gql<{ conversationById: { lastMessage: { body: string } } }>(
      server,
      'query ($id: ID!) { conversationById(id: $id) { lastMessage { body } } }',
      { id: conversationId },
      { token: bob.token },
    );
    expect(latest.data?.conversationById.lastMessage.body).toBe('on the primary');
  });
});
