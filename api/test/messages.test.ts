import { describe, expect, it } from 'vitest';
import {
  gql,
  sendMessage,
  signup,
  subscribeToConversation,
  type TestUser,
  type WireMessage,
} from './support/clients.ts';
import { connectSql } from './support/database.ts';
import { useTestServer } from './support/harness.ts';

const harness = useTestServer();
const openClient = (user: TestUser) => harness.openClient(user);

async function pair(): Promise<[TestUser, TestUser]> {
  return Promise.all([signup(harness.server), signup(harness.server)]);
}

const CONVERSATION = `query ($peer: String!, $first: Int, $after: String, $last: Int, $before: String) {
  conversation(peer: $peer, first: $first, after: $after, last: $last, before: $before) {
    edges { cursor node { id body sender { username } receiver { username } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

async function storedCount(where: string, params: unknown[]) {
  const sql = await connectSql(harness.database.url);
  try {
    const { rows } = await sql.query(`SELECT count(*)::int AS n FROM messages WHERE ${where}`, params);
    return rows[0].n as number;
  } finally {
    await sql.end();
  }
}

describe('sending', () => {
  it('delivers a message live to both people, the sender’s other tabs included, once each', async () => {
    const [alice, bob] = await pair();
    // Subscribing after a known message makes the subscription's start deterministic.
    const known = (await sendMessage(harness.server, alice, bob.username, 'known')).data!.sendMessage.id;
    const bobSees = subscribeToConversation(await openClient(bob), alice.username, known);
    const aliceOtherTab = subscribeToConversation(await openClient(alice), bob.username, known);

    const sent = await sendMessage(harness.server, alice, bob.username, '  Hello, <b>Bob</b>!  ', 'c-1');
    expect(sent.data!.sendMessage).toMatchObject({
      body: 'Hello, <b>Bob</b>!',
      clientId: 'c-1',
      sender: { username: alice.username },
      receiver: { username: bob.username },
    });
    const reply = await sendMessage(harness.server, bob, alice.username, 'Hi Alice');
    for (const subscription of [bobSees, aliceOtherTab]) {
      const events = await subscription.until(2);
      expect(events).toEqual([sent.data!.sendMessage, reply.data!.sendMessage]);
    }
  });

  it('shows the same conversation to either side and none of it to a third person', async () => {
    const [alice, bob] = await pair();
    const carol = await signup(harness.server);
    await sendMessage(harness.server, alice, bob.username, 'one');
    await sendMessage(harness.server, bob, alice.username, 'two');
    const fromAlice = await gql(harness.server, CONVERSATION, { peer: bob.username }, { token: alice.token });
    const fromBob = await gql(harness.server, CONVERSATION, { peer: alice.username }, { token: bob.token });
    expect(fromAlice.data!.conversation.edges.map((edge: any) => edge.node.body)).toEqual(['one', 'two']);
    expect(fromBob.data!.conversation.edges).toEqual(fromAlice.data!.conversation.edges);
    for (const peer of [alice.username, bob.username]) {
      const carolView = await gql(harness.server, CONVERSATION, { peer }, { token: carol.token });
      expect(carolView.data!.conversation.edges).toEqual([]);
    }
  });

  it('returns the first message again for a repeated clientId, and CONFLICT for a different body', async () => {
    const [alice, bob] = await pair();
    const first = await sendMessage(harness.server, alice, bob.username, 'only once', 'retry-1');
    const retry = await sendMessage(harness.server, alice, bob.username, 'only once', 'retry-1');
    expect(retry.data!.sendMessage.id).toBe(first.data!.sendMessage.id);
    const changed = await sendMessage(harness.server, alice, bob.username, 'something else', 'retry-1');
    expect(changed.errors![0]!.extensions).toMatchObject({ code: 'CONFLICT', field: 'clientId' });
    expect(await storedCount('client_id = $1', ['retry-1'])).toBe(1);
    expect(await storedCount('body = $1', ['something else'])).toBe(0);
  });

  it.each([
    ['an empty body', { body: '  \n ' }, 'BAD_USER_INPUT', 'body'],
    ['a body over 4000 characters', { body: 'x'.repeat(4001) }, 'BAD_USER_INPUT', 'body'],
    ['an unknown recipient', { to: 'nobody_at_all' }, 'NOT_FOUND', 'to'],
    ['a bad clientId', { clientId: 'has spaces' }, 'BAD_USER_INPUT', 'clientId'],
  ])('refuses %s and stores nothing', async (_case, override, code, field) => {
    const [alice, bob] = await pair();
    const input = { to: bob.username, body: 'fine', clientId: undefined, ...override };
    const result = await sendMessage(harness.server, alice, input.to, input.body, input.clientId);
    expect(result.errors![0]!.extensions).toMatchObject({ code, field });
    expect(await storedCount('sender_id = $1', [Number(alice.id)])).toBe(0);
  });

  it('refuses messages to oneself', async () => {
    const alice = await signup(harness.server);
    const result = await sendMessage(harness.server, alice, alice.username.toUpperCase(), 'me');
    expect(result.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'to' });
  });
});

describe('delivery guarantees', () => {
  it('delivers 200 concurrent sends from both sides once each, in commit order', async () => {
    const [alice, bob] = await pair();
    const start = (await sendMessage(harness.server, alice, bob.username, 'start')).data!.sendMessage.id;
    const bobSees = subscribeToConversation(await openClient(bob), alice.username, start);
    const aliceSees = subscribeToConversation(await openClient(alice), bob.username, start);

    const results = await Promise.all(
      Array.from({ length: 200 }, (_, index) =>
        index % 2 === 0
          ? sendMessage(harness.server, alice, bob.username, `a${index}`)
          : sendMessage(harness.server, bob, alice.username, `b${index}`),
      ),
    );
    expect(results.every((result) => result.data?.sendMessage)).toBe(true);

    const history = await gql(
      harness.server,
      CONVERSATION,
      { peer: bob.username, last: 200 },
      { token: alice.token },
    );
    const commitOrder = history.data!.conversation.edges.map((edge: any) => edge.node.id);
    expect(commitOrder).toHaveLength(200);
    expect(new Set(commitOrder)).toEqual(new Set(results.map((result) => result.data!.sendMessage.id)));
    for (const subscription of [bobSees, aliceSees]) {
      const events = await subscription.until(200);
      expect(events.map((event: WireMessage) => event.id)).toEqual(commitOrder);
    }
  });

  it('resumes with `after` across a disconnect: the messages sent meanwhile, then live ones, no gap or duplicate', async () => {
    const [alice, bob] = await pair();
    const known = (await sendMessage(harness.server, alice, bob.username, 'known')).data!.sendMessage.id;
    const firstClient = await openClient(bob);
    const before = subscribeToConversation(firstClient, alice.username, known);
    await sendMessage(harness.server, alice, bob.username, 'seen live');
    const [lastSeen] = await before.until(1);
    await firstClient.dispose();

    const missed = [];
    for (let index = 0; index < 5; index++) {
      missed.push(
        (await sendMessage(harness.server, alice, bob.username, `while away ${index}`)).data!.sendMessage.id,
      );
    }
    const resumed = subscribeToConversation(await openClient(bob), alice.username, lastSeen!.id);
    await resumed.until(5);
    const live = (await sendMessage(harness.server, bob, alice.username, 'back again')).data!.sendMessage.id;
    const events = await resumed.until(6);
    expect(events.map((event) => event.id)).toEqual([...missed, live]);
  });

  it('refuses an `after` from another conversation', async () => {
    const [alice, bob] = await pair();
    const carol = await signup(harness.server);
    const elsewhere = (await sendMessage(harness.server, alice, carol.username, 'not yours')).data!
      .sendMessage.id;
    const subscription = subscribeToConversation(await openClient(bob), alice.username, elsewhere);
    await subscription.waitFor(() => subscription.error !== undefined, 'an error');
    expect(JSON.stringify(subscription.error)).toContain('BAD_USER_INPUT');
    expect(subscription.events).toEqual([]);
  });
});

describe('history paging', () => {
  it('pages through 10,000 messages forwards and backwards by cursor, without gaps or repeats', async () => {
    const [alice, bob] = await pair();
    await sendMessage(harness.server, alice, bob.username, 'message 1');
    const sql = await connectSql(harness.database.url);
    try {
      await sql.query(
        `WITH conversation AS (
           SELECT conversation_id AS id FROM messages WHERE sender_id = $1 LIMIT 1
         ), inserted AS (
           INSERT INTO messages (conversation_id, seq, stream_seq, stream_at, sender_id, body)
           SELECT conversation.id, n, n, now(), CASE WHEN n % 2 = 0 THEN $2::int ELSE $1::int END, 'message ' || n
           FROM conversation, generate_series(2, 10000) AS n
         )
         UPDATE conversations SET last_seq = 10000, last_stream_seq = 10000 WHERE id = (SELECT id FROM conversation)`,
        [Number(alice.id), Number(bob.id)],
      );
    } finally {
      await sql.end();
    }

    const forward: string[] = [];
    let after: string | null = null;
    for (let pages = 0; ; pages++) {
      const page: any = await gql(
        harness.server,
        CONVERSATION,
        { peer: bob.username, first: 200, after },
        { token: alice.token },
      );
      const connection = page.data.conversation;
      forward.push(...connection.edges.map((edge: any) => edge.node.body));
      expect(connection.pageInfo.hasPreviousPage).toBe(after !== null);
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
      expect(pages).toBeLessThan(60);
    }
    expect(forward).toEqual(Array.from({ length: 10_000 }, (_, index) => `message ${index + 1}`));

    const backward: string[] = [];
    let before: string | null = null;
    for (;;) {
      const page: any = await gql(
        harness.server,
        CONVERSATION,
        { peer: alice.username, last: 200, before },
        { token: bob.token },
      );
      const connection = page.data.conversation;
      backward.unshift(...connection.edges.map((edge: any) => edge.node.body));
      if (!connection.pageInfo.hasPreviousPage) break;
      before = connection.pageInfo.startCursor;
    }
    expect(backward).toEqual(forward);
  });

  it('answers `last: 50` with the newest 50, oldest first', async () => {
    const [alice, bob] = await pair();
    for (let index = 1; index <= 60; index++)
      await sendMessage(harness.server, alice, bob.username, `m${index}`);
    const page = await gql(
      harness.server,
      CONVERSATION,
      { peer: bob.username, last: 50 },
      { token: alice.token },
    );
    const bodies = page.data!.conversation.edges.map((edge: any) => edge.node.body);
    expect(bodies).toEqual(Array.from({ length: 50 }, (_, index) => `m${index + 11}`));
    expect(page.data!.conversation.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false });
  });

  it('refuses forged cursors and oversized pages', async () => {
    const [alice, bob] = await pair();
    const forged = await gql(
      harness.server,
      CONVERSATION,
      { peer: bob.username, after: 'bm90IGEgY3Vyc29y' },
      { token: alice.token },
    );
    expect(forged.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    const huge = await gql(
      harness.server,
      CONVERSATION,
      { peer: bob.username, first: 100_000 },
      { token: alice.token },
    );
    expect(huge.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
  });
});
