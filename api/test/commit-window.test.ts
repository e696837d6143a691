import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, sendMessage, signup, type TestUser } from './support/clients.ts';
import { createGroup } from './support/chat-events.ts';
import { connectSql, createTestDatabase } from './support/database.ts';
import { FaultProxy } from './support/fault-proxy.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { waitUntil } from './support/waits.ts';

/**
 * The resume cursor rests on one bound: a message commits within a known time
 * of the timestamp it was stamped with, or never. Here a send's transaction is
 * held open past PostgreSQL's timeouts, and the message must be aborted, not
 * committed late with a timestamp from before a reader's watermark.
 */
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let proxy: FaultProxy;
let server: TestServer;
let sql: pg.Client;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  database = await createTestDatabase();
  const target = new URL(database.url);
  proxy = await FaultProxy.start({ host: target.hostname, port: Number(target.port || 5432) });
  server = await startTestServer({
    databaseUrl: proxy.rewrite(database.url),
    env: { DATABASE_STATEMENT_TIMEOUT: '1s', DATABASE_IDLE_IN_TRANSACTION_TIMEOUT: '1s' },
  });
  sql = await connectSql(database.url);
  // A write of a body starting "slow:" takes as long as the body says, in ms.
  await sql.query(`
    CREATE FUNCTION slow_write() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.body LIKE 'slow:%' THEN PERFORM pg_sleep(split_part(NEW.body, ':', 2)::int / 1000.0); END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER slow_write BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION slow_write();`);
  [alice, bob] = [await signup(server), await signup(server)];
});

afterAll(async () => {
  await server?.stop();
  await proxy?.stop();
  await sql?.end();
  await database?.drop();
});

const stored = async (body: string) =>
  Number((await sql.query('SELECT count(*) FROM messages WHERE body = $1', [body])).rows[0].count);

/** The server process running a message write now, if any. */
const writer = async (): Promise<number | undefined> =>
  (
    await sql.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity
       WHERE datname = current_database() AND state = 'active' AND query LIKE '%INSERT INTO messages%'
         AND pid <> pg_backend_pid()`,
    )
  ).rows[0]?.pid;

const running = async (pid: number) =>
  (await sql.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).rowCount! > 0;

describe('a message is committed within the window of its timestamp, or never', () => {
  it('aborts a group send whose transaction stalls between the write and COMMIT', async () => {
    const groupId = await createGroup(server, alice, [bob]);
    const body = 'slow:300:stalled before commit';
    const send = gql(
      server,
      'mutation ($id: ID!, $body: String!) { sendMessage(conversationId: $id, body: $body) { id } }',
      { id: groupId, body },
      { token: alice.token },
    );
    // The write has its timestamp; stall the network before its COMMIT can get through.
    let pid: number | undefined;
    await waitUntil(async () => (pid = await writer()) !== undefined, 'the write to start');
    proxy.stall();
    try {
      // PostgreSQL ends the transaction left idle (and its session) on its own.
      await waitUntil(async () => !(await running(pid!)), 'the stalled transaction to be ended');
    } finally {
      proxy.restore();
    }
    const result = await send;
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAVAILABLE');
    expect(await stored(body)).toBe(0);
    // And the instance writes again once the network is back.
    const next = await gql(
      server,
      'mutation ($id: ID!) { sendMessage(conversationId: $id, body: "after the stall") { id } }',
      { id: groupId },
      { token: alice.token },
    );
    expect(next.data?.sendMessage.id).toBeDefined();
  });

  it('aborts a direct send whose statement outlasts the statement timeout', async () => {
    const body = 'slow:2000:a statement too long';
    const result = await sendMessage(server, alice, bob.username, body);
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAVAILABLE');
    // It never commits: not now, and not once PostgreSQL has finished with it.
    await waitUntil(async () => (await writer()) === undefined, 'the statement to end');
    expect(await stored(body)).toBe(0);
  });
});
