import { describe, expect, it } from 'vitest';
import { gql, signup } from './support/clients.ts';
import { createGroup, errorCode, listConversations, markRead, send, storedState } from './support/conversations.ts';
import { connectSql } from './support/database.ts';
import { useTestServer } from './support/harness.ts';
import { messageState, ok, sendInto } from './support/message-changes.ts';

const harness = useTestServer();
const server = () => harness.server;

async function sql() {
  const client = await connectSql(harness.database.url);
  harness.defer(() => client.end());
  return client;
}

describe('replies', () => {
  it('name a message of the same conversation; anything else is NOT_FOUND, saying nothing, and stores nothing', async () => {
    const [alice, bob, eve] = [await signup(server()), await signup(server()), await signup(server())];
    const group = (await createGroup(server(), alice, 'Replies', [bob])).id;
    const elsewhere = (await createGroup(server(), eve, 'Elsewhere', [alice])).id;
    const original = ok(await sendInto(server(), alice, group, 'the question')).sendMessage;
    const secret = ok(await sendInto(server(), eve, elsewhere, 'not for bob')).sendMessage;

    const answer = ok(await sendInto(server(), bob, group, 'the answer', original.id)).sendMessage;
    expect(answer.replyTo).toEqual({ id: original.id, body: 'the question', deletedAt: null });

    const before = await storedState(await sql(), group);
    const refusals = await Promise.all([
      sendInto(server(), bob, group, 'x', secret.id),
      sendInto(server(), bob, group, 'x', '99999999'),
      sendInto(server(), bob, group, 'x', 'not an id'),
    ]);
    const messages = refusals.map((result) => JSON.stringify(result.errors));
    expect(refusals.map(errorCode)).toEqual(['NOT_FOUND', 'NOT_FOUND', 'NOT_FOUND']);
    // A message of another conversation is refused exactly as one that does not exist.
    expect(messages[0]).toBe(messages[1]);
    expect(await storedState(await sql(), group)).toEqual(before);
  });

  it('in a direct conversation, are refused once either person blocked the other', async () => {
    const [alice, bob] = [await signup(server()), await signup(server())];
    const first = await send(server(), alice, bob, 'hello');
    ok(await gql(server(), 'mutation ($u: String!) { block(username: $u) }', { u: bob.username }, { token: alice.token }));
    const reply = await gql(
      server(),
      'mutation ($to: String!, $r: ID) { sendMessage(to: $to, body: "answer", replyTo: $r) { id } }',
      { to: alice.username, r: first.id },
      { token: bob.token },
    );
    expect(errorCode(reply)).toBe('FORBIDDEN');
  });
});

describe('mentions', () => {
  it('are the members named as @username (any case), never the sender or a stranger; @all and @everyone in a group', async () => {
    const [alice, bob, carol, stranger] = [
      await signup(server()),
      await signup(server()),
      await signup(server()),
      await signup(server()),
    ];
    const group = (await createGroup(server(), alice, 'Mentions', [bob, carol])).id;
    const named = ok(
      await sendInto(
        server(),
        alice,
        group,
        `@${bob.username.toUpperCase()} and @${alice.username} and @${stranger.username}, mail x@${carol.username}.com`,
      ),
    ).sendMessage;
    expect(named.mentions).toEqual([{ username: bob.username }]);
    expect(named.mentionsEveryone).toBe(false);

    const everyone = ok(await sendInto(server(), bob, group, 'hey @everyone')).sendMessage;
    expect(everyone).toMatchObject({ mentions: [], mentionsEveryone: true });
    const listed = async (viewer: typeof alice) =>
      (await listConversations(server(), viewer)).edges.find((edge) => edge.node.id === group)!.node;
    expect((await listed(carol)).mentionCount).toBe(1);
    // Bob's own message moved his read position past the one naming him.
    expect((await listed(bob)).mentionCount).toBe(0);
    expect((await listed(alice)).mentionCount).toBe(1);

    // Reading past them clears them.
    ok(await markRead(server(), carol, group, everyone.id));
    expect((await listed(carol)).mentionCount).toBe(0);
    expect((await messageState(server(), carol, group, named.id)).mentions).toEqual([{ username: bob.username }]);
  });

  it('of everyone mean nothing in a direct conversation', async () => {
    const [alice, bob] = [await signup(server()), await signup(server())];
    const message = await send(server(), alice, bob, 'hi @all');
    const direct = (await listConversations(server(), bob)).edges.find((edge) => edge.node.lastMessage?.id === message.id)!;
    expect(direct.node.mentionCount).toBe(0);
    expect((await messageState(server(), bob, direct.node.id, message.id)).mentionsEveryone).toBe(false);
  });
});
