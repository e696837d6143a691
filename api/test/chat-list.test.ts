import { describe, expect, it } from 'vitest';
import { gql, Subscription, type TestUser, signupMany } from './support/clients.ts';
import {
  createGroup,
  errorCode,
  listConversations,
  send,
  subscribeToEvents,
  type EventMessage,
} from './support/conversations.ts';
import { connectSql } from './support/database.ts';
import { useTestServer } from './support/harness.ts';
import { waitUntil } from './support/waits.ts';

const harness = useTestServer();

/** Sends, then waits for the clock to pass the message's millisecond so the next one sorts strictly after. */
async function sendInTurn(...args: Parameters<typeof send>): Promise<EventMessage> {
  const message = await send(...args);
  await waitUntil(() => Date.now() > Date.parse(message.createdAt), 'the next millisecond');
  return message;
}

const titles = async (viewer: TestUser) =>
  (await listConversations(harness.server, viewer)).edges.map((edge) => edge.node.title);

describe('the chat list', () => {
  it('orders conversations by their last message, newest first, with the last message and unread count', async () => {
    const [alice, bob, carol] = (await signupMany(harness.server, 3)) as [TestUser, TestUser, TestUser];
    await sendInTurn(harness.server, bob, alice, 'from bob');
    const group = await createGroup(harness.server, carol, 'Book club', [alice, bob]);
    await sendInTurn(harness.server, carol, group.id, 'in the club');
    await sendInTurn(harness.server, carol, alice, 'from carol');
    expect(await titles(alice)).toEqual([carol.username, 'Book club', bob.username]);

    await sendInTurn(harness.server, bob, alice, 'bob again');
    const list = await listConversations(harness.server, alice);
    expect(list.edges.map((edge) => edge.node)).toMatchObject([
      { title: bob.username, kind: 'DIRECT', unreadCount: 2, lastMessage: { body: 'bob again' } },
      { title: carol.username, kind: 'DIRECT', unreadCount: 1, lastMessage: { body: 'from carol' } },
      { title: 'Book club', kind: 'GROUP', unreadCount: 1, lastMessage: { body: 'in the club' } },
    ]);
    const times = list.edges.map((edge) => Date.parse(edge.node.updatedAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('pages with first and after, missing nothing and repeating nothing', async () => {
    const [alice, ...others] = (await signupMany(harness.server, 6)) as [TestUser, ...TestUser[]];
    for (const other of others) await sendInTurn(harness.server, other, alice, `hi from ${other.username}`);
    const newestFirst = others.map((other) => other.username).reverse();
    expect(await titles(alice)).toEqual(newestFirst);

    const paged: string[] = [];
    let after: string | undefined;
    for (let page = 0; page < 10; page++) {
      const { edges, pageInfo } = await listConversations(harness.server, alice, { first: 2, after });
      paged.push(...edges.map((edge) => edge.node.title));
      if (!pageInfo.hasNextPage) break;
      after = pageInfo.endCursor!;
    }
    expect(paged).toEqual(newestFirst);

    for (const bad of [{ first: 0 }, { first: 201 }, { after: 'not-a-cursor' }]) {
      const result = await gql(
        harness.server,
        'query ($first: Int, $after: String) { conversations(first: $first, after: $after) { edges { cursor } } }',
        bad,
        { token: alice.token },
      );
      expect(errorCode(result), JSON.stringify(bad)).toBe('BAD_USER_INPUT');
    }
  });

  it('lists a direct conversation only once it has a message: subscribing or reading history adds nothing', async () => {
    const [alice, bob] = (await signupMany(harness.server, 2)) as [TestUser, TestUser];
    const client = await harness.openClient(alice);
    const watching = new Subscription<unknown>(
      client,
      'subscription ($peer: String!) { messageAdded(peer: $peer) { id } }',
      { peer: bob.username },
      'messageAdded',
    );
    const events = subscribeToEvents(client);
    const history = await gql(
      harness.server,
      'query ($peer: String!) { conversation(peer: $peer, last: 10) { edges { node { id } } } }',
      { peer: bob.username },
      { token: alice.token },
    );
    expect(history.errors).toBeUndefined();
    // Subscribing made the pair's conversation (an empty one): wait for it, so the check below means something.
    const sql = await connectSql(harness.database.url);
    try {
      const key = [Number(alice.id), Number(bob.id)].sort((a, b) => a - b).join(':');
      await waitUntil(
        async () =>
          (await sql.query('SELECT 1 FROM conversations WHERE direct_key = $1', [key])).rowCount === 1,
        'the subscription to open the conversation',
      );
    } finally {
      await sql.end();
    }
    expect(await titles(alice)).toEqual([]);
    expect(await titles(bob)).toEqual([]);

    await send(harness.server, bob, alice, 'now it exists');
    await watching.until(1);
    await events.waitFor(() => events.events.length > 0, 'the message on events');
    expect(await titles(alice)).toEqual([bob.username]);
    expect(await titles(bob)).toEqual([alice.username]);
  });
});
