import { describe, expect, it } from 'vitest';
import { gql, sendMessage, signupMany, type TestUser } from './support/clients.ts';
import { useTestServer } from './support/harness.ts';

const harness = useTestServer();

const MESSAGE = `query ($conversation: ID!, $id: ID!) {
  conversationById(id: $conversation) {
    message(id: $id) { id body revisions { body } reactions { emoji users(first: 20) { username } } }
  }
}`;

const as = (user: TestUser, query: string, variables: Record<string, unknown>) =>
  gql(harness.server, query, variables, { token: user.token });

describe('Conversation.message', () => {
  it('reads one message with who reacted and its earlier texts; null for an id that is not one of its messages', async () => {
    const [alice, bob, carol] = (await signupMany(harness.server, 3)) as [TestUser, TestUser, TestUser];
    const sent = (await sendMessage(harness.server, alice, bob.username, 'helo')).data!.sendMessage;
    const withBob = (
      await as(alice, `query ($peer: String!) { conversation(peer: $peer, last: 1) { edges { node { conversation { id } } } } }`, {
        peer: bob.username,
      })
    ).data!.conversation.edges[0].node.conversation.id as string;
    await as(alice, `mutation ($id: ID!) { editMessage(id: $id, body: "hello") { id } }`, { id: sent.id });
    await as(bob, `mutation ($id: ID!) { addReaction(messageId: $id, emoji: "👍") { id } }`, { id: sent.id });

    const read = await as(bob, MESSAGE, { conversation: withBob, id: sent.id });
    expect(read.data).toEqual({
      conversationById: {
        message: {
          id: sent.id,
          body: 'hello',
          revisions: [{ body: 'helo' }],
          reactions: [{ emoji: '👍', users: [{ username: bob.username }] }],
        },
      },
    });

    // A message of another conversation, an id of nothing, and not an id at all: nothing.
    const other = (await sendMessage(harness.server, alice, carol.username, 'elsewhere')).data!.sendMessage;
    for (const id of [other.id, '999999999999', 'x'])
      expect((await as(bob, MESSAGE, { conversation: withBob, id })).data).toEqual({ conversationById: { message: null } });
    // Someone outside the conversation learns nothing.
    expect((await as(carol, MESSAGE, { conversation: withBob, id: sent.id })).data).toEqual({ conversationById: null });
  });
});
