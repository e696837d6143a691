import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations } from '../src/db/migrations.ts';
import { hashPassword } from '../src/modules/accounts/passwords.ts';
import { gql, PASSWORD, type TestUser } from './support/clients.ts';
import { conversationById, listConversations } from './support/conversations.ts';
import { connectSql, createTestDatabase } from './support/database.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { waitUntil } from './support/waits.ts';

const GROUPS_MIGRATION = '20261125200000_groups_read_positions';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let sql: pg.Client;
let server: TestServer | undefined;

beforeAll(async () => {
  database = await createTestDatabase();
  sql = await connectSql(database.url);
});
afterAll(async () => {
  await server?.stop();
  await sql?.end();
  await database?.drop();
});

/** A user as the schema before groups stored one. */
async function insertUser(name: string, passwordHash: string): Promise<number> {
  const { rows } = await sql.query(
    `INSERT INTO users (username, username_key, username_skeleton, email, password_hash)
     VALUES ($1, $1, $1, $1 || '@example.com', $2) RETURNING id`,
    [name, passwordHash],
  );
  return rows[0].id as number;
}

async function login(username: string): Promise<TestUser> {
  const result = await gql<{ login: { token: string; user: { id: string; username: string } } }>(
    server!,
    'mutation ($username: String!, $password: String!) { login(username: $username, password: $password) { token user { id username } } }',
    { username, password: PASSWORD },
  );
  if (!result.data) throw new Error(`login failed: ${JSON.stringify(result.errors)}`);
  return { ...result.data.login.user, token: result.data.login.token };
}

describe(`the migration ${GROUPS_MIGRATION}`, () => {
  it('keeps every direct conversation’s messages and seqs, counts them as read, and lists the conversation', async () => {
    const before = await applyMigrations(database.url, GROUPS_MIGRATION);
    expect(before.length).toBeGreaterThan(0);
    expect(before).not.toContain(GROUPS_MIGRATION);
    // It leaves no connection behind: a leftover one kept Prisma's migration lock, and the next run
    // (another instance starting) waited for the pool's idle timeout, or failed at it.
    await waitUntil(
      async () =>
        (
          await sql.query(
            'SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
          )
        ).rowCount === 0,
      'the migration connections to close',
      3_000,
    );

    const passwordHash = await hashPassword(PASSWORD);
    const alice = await insertUser('alice_old', passwordHash);
    const bob = await insertUser('bob_old', passwordHash);
    const carol = await insertUser('carol_old', passwordHash);
    const direct = async (a: number, b: number, bodies: Array<[number, string]>) => {
      const { rows } = await sql.query(
        `INSERT INTO conversations (kind, direct_key, last_seq, last_message_at, created_at)
         VALUES ('DIRECT', $1, $2, CASE WHEN $2 > 0 THEN now() - interval '1 day' END, now() - interval '2 days')
         RETURNING id`,
        [`${Math.min(a, b)}:${Math.max(a, b)}`, bodies.length],
      );
      const id = rows[0].id as number;
      await sql.query(
        `INSERT INTO conversation_members (conversation_id, user_id) VALUES ($1, $2), ($1, $3)`,
        [id, a, b],
      );
      for (const [seq, [sender, body]] of bodies.entries())
        await sql.query(
          `INSERT INTO messages (conversation_id, seq, sender_id, body, client_id, created_at)
           VALUES ($1, $2, $3, $4, $5, now() - interval '1 day' - ($6 * interval '1 minute'))`,
          [id, seq + 1, sender, body, `old-${id}-${seq}`, bodies.length - seq],
        );
      return id;
    };
    const withMessages = await direct(alice, bob, [
      [alice, 'hi bob'],
      [bob, 'hi alice'],
      [alice, 'how are you?'],
    ]);
    // Opened (by a subscription) but never written to: stays out of the list.
    const empty = await direct(alice, carol, []);
    const storedMessages = async () =>
      (
        await sql.query(
          'SELECT id::text, conversation_id, seq, sender_id, body, client_id, created_at FROM messages ORDER BY id',
        )
      ).rows;
    const messagesBefore = await storedMessages();

    const rest = await applyMigrations(database.url);
    expect(rest).toContain(GROUPS_MIGRATION);

    expect(await storedMessages()).toEqual(messagesBefore);
    const { rows: kinds } = await sql.query('SELECT DISTINCT kind FROM messages');
    expect(kinds).toEqual([{ kind: 'TEXT' }]);
    const lastId = messagesBefore.at(-1)!.id as string;
    const { rows: members } = await sql.query(
      `SELECT conversation_id, user_id, role, last_read_seq, last_read_message_id::text AS last_read
       FROM conversation_members ORDER BY conversation_id, user_id`,
    );
    expect(members).toEqual([
      { conversation_id: withMessages, user_id: alice, role: 'MEMBER', last_read_seq: 3, last_read: lastId },
      { conversation_id: withMessages, user_id: bob, role: 'MEMBER', last_read_seq: 3, last_read: lastId },
      { conversation_id: empty, user_id: alice, role: 'MEMBER', last_read_seq: 0, last_read: null },
      { conversation_id: empty, user_id: carol, role: 'MEMBER', last_read_seq: 0, last_read: null },
    ]);

    // What the server makes of it.
    server = await startTestServer({ databaseUrl: database.url });
    const [aliceUser, bobUser] = [await login('alice_old'), await login('bob_old')];
    const list = await listConversations(server, aliceUser);
    expect(list.edges.map((edge) => edge.node)).toMatchObject([
      {
        id: String(withMessages),
        kind: 'DIRECT',
        title: 'bob_old',
        unreadCount: 0,
        lastReadMessageId: lastId,
        lastMessage: { id: lastId, body: 'how are you?', kind: 'TEXT' },
      },
    ]);
    expect(await conversationById(server, bobUser, String(withMessages))).toMatchObject({
      unreadCount: 0,
      lastReadMessageId: lastId,
    });
    const history = await gql<{
      conversation: { edges: Array<{ node: { id: string; body: string } }> };
    }>(
      server,
      'query { conversation(peer: "bob_old", first: 10) { edges { node { id body } } } }',
      {},
      {
        token: aliceUser.token,
      },
    );
    expect(history.data!.conversation.edges.map((edge) => edge.node.id)).toEqual(
      messagesBefore.filter((row) => row.conversation_id === withMessages).map((row) => row.id),
    );
    // A new message continues the seqs.
    const next = await gql<{ sendMessage: { id: string } }>(
      server,
      'mutation { sendMessage(to: "alice_old", body: "fine, thanks") { id } }',
      {},
      { token: bobUser.token },
    );
    const { rows: seqs } = await sql.query('SELECT seq FROM messages WHERE id = $1', [
      next.data!.sendMessage.id,
    ]);
    expect(seqs).toEqual([{ seq: 4 }]);
    expect((await conversationById(server, aliceUser, String(withMessages)))?.unreadCount).toBe(1);
  });
});
