import type pg from 'pg';
import { gql, type TestUser } from './clients.ts';
import type { TestServer } from './server.ts';

/** Requests and checks shared by the tests of edits, deletions, reactions, replies and mentions. */

type Server = Pick<TestServer, 'url'>;

export const MESSAGE_STATE = `id body kind cursor createdAt editedAt deletedAt mentionsEveryone
  sender { username } conversation { id }
  revisions { body createdAt }
  reactions { emoji count reactedByMe }
  mentions { username }
  replyTo { id body deletedAt }`;

export interface MessageState {
  id: string;
  body: string;
  kind: 'TEXT' | 'SYSTEM';
  cursor: string;
  createdAt: string;
  editedAt: string | null;
  deletedAt: string | null;
  mentionsEveryone: boolean;
  sender: { username: string };
  conversation: { id: string };
  revisions: Array<{ body: string; createdAt: string }>;
  reactions: Array<{ emoji: string; count: number; reactedByMe: boolean }>;
  mentions: Array<{ username: string }>;
  replyTo: { id: string; body: string; deletedAt: string | null } | null;
}

const mutate = <Field extends string>(
  field: Field,
  signature: string,
  call: string,
) =>
  (server: Server, viewer: TestUser, variables: Record<string, unknown>) =>
    gql<Record<Field, MessageState>>(
      server,
      `mutation (${signature}) { ${field}(${call}) { ${MESSAGE_STATE} } }`,
      variables,
      { token: viewer.token },
    );

const edit = mutate('editMessage', '$id: ID!, $body: String!', 'id: $id, body: $body');
const remove = mutate('deleteMessage', '$id: ID!', 'id: $id');
const react = mutate('addReaction', '$id: ID!, $emoji: String!', 'messageId: $id, emoji: $emoji');
const unreact = mutate('removeReaction', '$id: ID!, $emoji: String!', 'messageId: $id, emoji: $emoji');
const reply = mutate(
  'sendMessage',
  '$conversationId: ID!, $body: String!, $replyTo: ID',
  'conversationId: $conversationId, body: $body, replyTo: $replyTo',
);

export const editMessage = (server: Server, viewer: TestUser, id: string, body: string) =>
  edit(server, viewer, { id, body });
export const deleteMessage = (server: Server, viewer: TestUser, id: string) => remove(server, viewer, { id });
export const addReaction = (server: Server, viewer: TestUser, id: string, emoji: string) =>
  react(server, viewer, { id, emoji });
export const removeReaction = (server: Server, viewer: TestUser, id: string, emoji: string) =>
  unreact(server, viewer, { id, emoji });
/** Sends into a conversation, answering `replyTo` when given; the whole message state back. */
export const sendInto = (server: Server, viewer: TestUser, conversationId: string, body: string, replyTo?: string) =>
  reply(server, viewer, { conversationId, body, replyTo });

/** The answer's data, failing the test on an error. */
export function ok<T>(result: { data?: T | null; errors?: unknown }): T {
  if (!result.data) throw new Error(`request failed: ${JSON.stringify(result.errors)}`);
  return result.data;
}

/** Every message of a conversation, oldest first, with its whole state, as the viewer reads it. */
export async function messagesOf(server: Server, viewer: TestUser, conversationId: string) {
  const result = ok(
    await gql<{ conversationById: { messages: { edges: Array<{ node: MessageState }> } } | null }>(
      server,
      `query ($id: ID!) { conversationById(id: $id) { messages(last: 50) { edges { node { ${MESSAGE_STATE} } } } } }`,
      { id: conversationId },
      { token: viewer.token },
    ),
  );
  return result.conversationById!.messages.edges.map((edge) => edge.node);
}

/** One message as the viewer reads it in its conversation's history. */
export async function messageState(server: Server, viewer: TestUser, conversationId: string, id: string) {
  const found = (await messagesOf(server, viewer, conversationId)).find((message) => message.id === id);
  if (!found) throw new Error(`message ${id} is not in the history`);
  return found;
}

/** Who reacted to the conversation's newest message, `id`, with each emoji, in the order they did. */
export async function reactionsToNewest(server: Server, viewer: TestUser, conversationId: string, id: string) {
  const result = ok(
    await gql<{
      conversationById: {
        messages: { edges: Array<{ node: { id: string; reactions: Array<{ emoji: string; users: Array<{ username: string }> }> } }> };
      } | null;
    }>(
      server,
      `query ($id: ID!) { conversationById(id: $id) { messages(last: 1) { edges { node { id reactions { emoji users(first: 200) { username } } } } } } }`,
      { id: conversationId },
      { token: viewer.token },
    ),
  );
  const message = result.conversationById!.messages.edges[0]!.node;
  if (message.id !== id) throw new Error(`message ${id} is not the newest`);
  return Object.fromEntries(message.reactions.map((reaction) => [reaction.emoji, reaction.users.map((user) => user.username)]));
}

/** Everything stored about a message and its conversation's log, for checking a refusal changed nothing. */
export async function storedMessage(sql: pg.Client, id: string) {
  const query = async (text: string) => (await sql.query(text, [id])).rows;
  return {
    message: await query('SELECT * FROM messages WHERE id = $1'),
    conversation: await query(
      'SELECT c.* FROM conversations c JOIN messages m ON m.conversation_id = c.id WHERE m.id = $1',
    ),
    revisions: await query('SELECT * FROM message_revisions WHERE message_id = $1 ORDER BY id'),
    reactions: await query('SELECT * FROM reactions WHERE message_id = $1 ORDER BY user_id, emoji'),
    mentions: await query('SELECT * FROM message_mentions WHERE message_id = $1 ORDER BY user_id'),
  };
}
