import type { Client } from 'graphql-ws';
import type pg from 'pg';
import { gql, Subscription, type TestUser } from './clients.ts';
import type { TestServer } from './server.ts';

/** Requests and checks shared by the conversation tests (groups, receipts, the events stream). */

type Server = Pick<TestServer, 'url'>;

const LISTED_FIELDS = `id kind title unreadCount mentionCount lastReadMessageId updatedAt memberCount
  lastMessage { id body kind }`;
export const CONVERSATION_FIELDS = `${LISTED_FIELDS}
  members { user { username } role lastReadMessageId }`;

/** A conversation as the chat list shows it. */
export interface ListedConversation {
  id: string;
  kind: 'DIRECT' | 'GROUP';
  title: string;
  unreadCount: number;
  mentionCount: number;
  lastReadMessageId: string | null;
  updatedAt: string;
  memberCount: number;
  lastMessage: { id: string; body: string; kind: 'TEXT' | 'SYSTEM' } | null;
}

export interface WireConversation extends ListedConversation {
  members: Array<{ user: { username: string }; role: 'OWNER' | 'MEMBER'; lastReadMessageId: string | null }>;
}

export const EVENT_MESSAGE_FIELDS = 'id body kind cursor createdAt sender { username } conversation { id }';

export interface EventMessage {
  id: string;
  body: string;
  kind: 'TEXT' | 'SYSTEM';
  cursor: string;
  createdAt: string;
  sender: { username: string };
  conversation: { id: string };
}

export type ChatEvent =
  | { __typename: 'MessageEvent'; cursor: string; message: EventMessage }
  | {
      __typename: 'ReadEvent';
      conversation: { id: string };
      user: { username: string };
      lastReadMessageId: string;
    }
  | {
      __typename: 'MembershipEvent';
      conversation: { id: string };
      user: { username: string };
      change: 'ADDED' | 'REMOVED' | 'LEFT';
      by: { username: string } | null;
    }
  | { __typename: 'ConversationEvent'; conversation: { id: string } }
  | { __typename: 'MessageUpdatedEvent'; cursor: string; message: UpdatedMessage }
  | {
      __typename: 'RelationshipEvent';
      user: { username: string; blockedByMe: boolean; blocksMe: boolean; presence: { online: boolean } | null };
    };

/** A message as a MessageUpdatedEvent brings it. */
export interface UpdatedMessage {
  id: string;
  body: string;
  editedAt: string | null;
  deletedAt: string | null;
  conversation: { id: string };
  reactions: Array<{ emoji: string; count: number }>;
}

const EVENTS = `subscription ($after: String) { events(after: $after) {
  __typename
  ... on MessageEvent { cursor message { ${EVENT_MESSAGE_FIELDS} } }
  ... on ReadEvent { conversation { id } user { username } lastReadMessageId }
  ... on MembershipEvent { conversation { id } user { username } change by { username } }
  ... on ConversationEvent { conversation { id } }
  ... on MessageUpdatedEvent { cursor message { id body editedAt deletedAt conversation { id } reactions { emoji count } } }
  ... on RelationshipEvent { user { username blockedByMe blocksMe presence { online } } }
} }`;

export const subscribeToEvents = (client: Client, after?: string) =>
  new Subscription<ChatEvent>(client, EVENTS, { after }, 'events');

/** The messages among `events`, in the order they arrived. */
export const messagesOf = (events: readonly ChatEvent[]) =>
  events.flatMap((event) => (event.__typename === 'MessageEvent' ? [event.message] : []));

/** Resolves once a message with `body` arrived on `subscription`. */
export const receivedBody = (subscription: Subscription<ChatEvent>, body: string, timeoutMs?: number) =>
  subscription.waitFor(
    () => messagesOf(subscription.events).some((message) => message.body === body),
    `the message "${body}"`,
    timeoutMs,
  );

/** The code of the first error, or 'none'. */
export const errorCode = (result: { errors?: Array<{ extensions?: { code?: string } }> }) =>
  result.errors?.[0]?.extensions?.code ?? 'none';

export async function createGroup(
  server: Server,
  owner: TestUser,
  title: string,
  members: readonly TestUser[],
) {
  const result = await gql<{ createGroup: WireConversation }>(
    server,
    `mutation ($title: String!, $members: [String!]!) { createGroup(title: $title, members: $members) { ${CONVERSATION_FIELDS} } }`,
    { title, members: members.map((member) => member.username) },
    { token: owner.token },
  );
  if (!result.data) throw new Error(`createGroup failed: ${JSON.stringify(result.errors)}`);
  return result.data.createGroup;
}

export const createGroupRaw = (server: Server, owner: TestUser, title: string, members: readonly string[]) =>
  gql<{ createGroup: WireConversation }>(
    server,
    `mutation ($title: String!, $members: [String!]!) { createGroup(title: $title, members: $members) { id } }`,
    { title, members },
    { token: owner.token },
  );

export const addMembers = (
  server: Server,
  viewer: TestUser,
  conversationId: string,
  users: readonly TestUser[],
) =>
  gql<{ addMembers: WireConversation }>(
    server,
    `mutation ($id: ID!, $usernames: [String!]!) { addMembers(conversationId: $id, usernames: $usernames) { ${CONVERSATION_FIELDS} } }`,
    { id: conversationId, usernames: users.map((user) => user.username) },
    { token: viewer.token },
  );

export const removeMember = (server: Server, viewer: TestUser, conversationId: string, user: TestUser) =>
  gql<{ removeMember: { id: string } }>(
    server,
    `mutation ($id: ID!, $username: String!) { removeMember(conversationId: $id, username: $username) { id } }`,
    { id: conversationId, username: user.username },
    { token: viewer.token },
  );

export const renameConversation = (server: Server, viewer: TestUser, conversationId: string, title: string) =>
  gql<{ renameConversation: { id: string; title: string } }>(
    server,
    `mutation ($id: ID!, $title: String!) { renameConversation(conversationId: $id, title: $title) { id title } }`,
    { id: conversationId, title },
    { token: viewer.token },
  );

export const sendInto = (server: Server, viewer: TestUser, conversationId: string, body: string) =>
  gql<{ sendMessage: EventMessage }>(
    server,
    `mutation ($id: ID!, $body: String!) { sendMessage(conversationId: $id, body: $body) { ${EVENT_MESSAGE_FIELDS} } }`,
    { id: conversationId, body },
    { token: viewer.token },
  );

export const sendTo = (server: Server, viewer: TestUser, to: TestUser, body: string) =>
  gql<{ sendMessage: EventMessage }>(
    server,
    `mutation ($to: String!, $body: String!) { sendMessage(to: $to, body: $body) { ${EVENT_MESSAGE_FIELDS} } }`,
    { to: to.username, body },
    { token: viewer.token },
  );

/** Sends and returns the message, failing the test on an error. */
export async function send(server: Server, viewer: TestUser, target: string | TestUser, body: string) {
  const result =
    typeof target === 'string'
      ? await sendInto(server, viewer, target, body)
      : await sendTo(server, viewer, target, body);
  if (!result.data) throw new Error(`send failed: ${JSON.stringify(result.errors)}`);
  return result.data.sendMessage;
}

export const markRead = (server: Server, viewer: TestUser, conversationId: string, messageId: string) =>
  gql<{ markRead: WireConversation }>(
    server,
    `mutation ($id: ID!, $messageId: ID!) { markRead(conversationId: $id, messageId: $messageId) { ${CONVERSATION_FIELDS} } }`,
    { id: conversationId, messageId },
    { token: viewer.token },
  );

export async function conversationById(server: Server, viewer: TestUser, id: string) {
  const result = await gql<{ conversationById: WireConversation | null }>(
    server,
    `query ($id: ID!) { conversationById(id: $id) { ${CONVERSATION_FIELDS} } }`,
    { id },
    { token: viewer.token },
  );
  if (result.errors) throw new Error(`conversationById failed: ${JSON.stringify(result.errors)}`);
  return result.data!.conversationById;
}

/** Every message of a conversation, oldest first, as the viewer reads them. */
export async function timeline(server: Server, viewer: TestUser, id: string) {
  const result = await gql<{
    conversationById: {
      messages: { edges: Array<{ node: { id: string; body: string; kind: string } }> };
    } | null;
  }>(
    server,
    `query ($id: ID!) { conversationById(id: $id) { messages(first: 200) { edges { node { id body kind } } } } }`,
    { id },
    { token: viewer.token },
  );
  if (!result.data?.conversationById) throw new Error(`timeline failed: ${JSON.stringify(result)}`);
  return result.data.conversationById.messages.edges.map((edge) => edge.node);
}

export async function listConversations(
  server: Server,
  viewer: TestUser,
  args: { first?: number; after?: string } = {},
) {
  const result = await gql<{
    conversations: {
      edges: Array<{ cursor: string; node: ListedConversation }>;
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
    };
  }>(
    server,
    `query ($first: Int, $after: String) { conversations(first: $first, after: $after) {
      edges { cursor node { ${LISTED_FIELDS} } } pageInfo { hasNextPage endCursor } } }`,
    args,
    { token: viewer.token },
  );
  if (!result.data) throw new Error(`conversations failed: ${JSON.stringify(result.errors)}`);
  return result.data.conversations;
}

/** What a refused change must leave as it was: the members, the title, last_seq and the messages. */
export async function storedState(sql: pg.Client, conversationId: string) {
  const members = await sql.query(
    `SELECT user_id, role, last_read_seq, last_read_message_id::text FROM conversation_members
       WHERE conversation_id = $1 ORDER BY user_id`,
    [Number(conversationId)],
  );
  const conversation = await sql.query(
    'SELECT title, last_seq, last_message_at FROM conversations WHERE id = $1',
    [Number(conversationId)],
  );
  const messages = await sql.query(
    'SELECT id::text, seq, kind, body FROM messages WHERE conversation_id = $1 ORDER BY seq',
    [Number(conversationId)],
  );
  return { members: members.rows, conversation: conversation.rows, messages: messages.rows };
}

let pings = 0;

/**
 * An `events` stream of `user` that is surely live when this resolves: it
 * resumes after a message from `pinger` (so its start does not race the
 * tests' sends), and a second message from `pinger` arrived on it (so its bus
 * subscription, which carries the live-only read and membership events, is in
 * place).
 */
export async function openEvents(
  harness: { server: Server; openClient(user: TestUser): Promise<Client> },
  user: TestUser,
  pinger: TestUser,
) {
  const mark = await send(harness.server, pinger, user, `mark ${++pings}`);
  const stream = subscribeToEvents(await harness.openClient(user), mark.cursor);
  const ping = `ping ${++pings}`;
  await send(harness.server, pinger, user, ping);
  await receivedBody(stream, ping);
  return stream;
}
