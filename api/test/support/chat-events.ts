import type { Client } from 'graphql-ws';
import { gql, sendMessage, Subscription, type TestUser } from './clients.ts';
import type { TestServer } from './server.ts';

/** What the tests read of the `events` stream: typing, presence, read positions and messages. */
export interface ChatEventShape {
  __typename:
    'TypingEvent' | 'PresenceEvent' | 'ReadEvent' | 'MessageEvent' | 'MembershipEvent' | 'ConversationEvent';
  typing?: boolean;
  user?: { id: string; username: string };
  conversation?: { id: string };
  presence?: { online: boolean; lastSeenAt: string | null };
  lastReadMessageId?: string;
  message?: { id: string; body: string };
}

const EVENTS = `subscription {
  events {
    __typename
    ... on TypingEvent { typing user { id username } conversation { id } }
    ... on PresenceEvent { user { id username } presence { online lastSeenAt } }
    ... on ReadEvent { user { id username } conversation { id } lastReadMessageId }
    ... on MessageEvent { message { id body } }
  }
}`;

/** A live `events` subscription that also records when each event arrived. */
export class ChatEvents extends Subscription<ChatEventShape & { at: number }> {
  constructor(client: Client) {
    super(client, EVENTS, {}, 'events');
    // Stamp arrivals as they come: the subscription stores the payloads it is given.
    const push = this.events.push.bind(this.events);
    this.events.push = (...items) => push(...items.map((item) => ({ ...item, at: Date.now() })));
  }

  of(type: ChatEventShape['__typename'], username?: string) {
    return this.events.filter(
      (event) => event.__typename === type && (username === undefined || event.user?.username === username),
    );
  }

  /** Resolves with the first event of `type` from `username` matching `predicate`. */
  async next(
    type: ChatEventShape['__typename'],
    username: string,
    predicate: (event: ChatEventShape) => boolean = () => true,
    timeoutMs?: number,
  ) {
    const find = () => this.of(type, username).find(predicate);
    await this.waitFor(() => find() !== undefined, `a ${type} from ${username}`, timeoutMs);
    return find()!;
  }

  /**
   * Waits until the subscription is live on the server (events published
   * before that are lost): `peer` sends `me` messages until one arrives.
   */
  async ready(server: Pick<TestServer, 'url'>, me: TestUser, peer: TestUser) {
    const marker = `ready ${Math.random()}`;
    const seen = () => this.of('MessageEvent').some((event) => event.message?.body === marker);
    for (let attempt = 1; ; attempt++) {
      await sendMessage(server, peer, me.username, marker);
      try {
        return await this.waitFor(seen, 'a ready message', 500);
      } catch (error) {
        if (attempt === 20) throw error;
      }
    }
  }
}

/** A direct conversation between two people (created by a first message), by id. */
export async function directConversation(server: Pick<TestServer, 'url'>, from: TestUser, to: TestUser) {
  const sent = await gql<{ sendMessage: { conversation: { id: string } } }>(
    server,
    'mutation ($to: String!) { sendMessage(to: $to, body: "hello") { conversation { id } } }',
    { to: to.username },
    { token: from.token },
  );
  if (!sent.data) throw new Error(`send failed: ${JSON.stringify(sent.errors)}`);
  return sent.data.sendMessage.conversation.id;
}

export async function createGroup(server: Pick<TestServer, 'url'>, owner: TestUser, members: TestUser[]) {
  const result = await gql<{ createGroup: { id: string } }>(
    server,
    'mutation ($members: [String!]!) { createGroup(title: "group", members: $members) { id } }',
    { members: members.map((member) => member.username) },
    { token: owner.token },
  );
  if (!result.data) throw new Error(`createGroup failed: ${JSON.stringify(result.errors)}`);
  return result.data.createGroup.id;
}

export const setTyping = (
  server: Pick<TestServer, 'url'>,
  user: TestUser,
  conversationId: string,
  typing = true,
) =>
  gql<{ setTyping: boolean }>(
    server,
    'mutation ($id: ID!, $typing: Boolean!) { setTyping(conversationId: $id, typing: $typing) }',
    { id: conversationId, typing },
    { token: user.token },
  );

/** `viewer`'s view of `other`'s presence, through the users list. */
export async function presenceOf(server: Pick<TestServer, 'url'>, viewer: TestUser, other: TestUser) {
  const result = await gql<{
    users: {
      edges: Array<{
        node: { username: string; presence: { online: boolean; lastSeenAt: string | null } | null };
      }>;
    };
  }>(
    server,
    'query ($search: String!) { users(search: $search, first: 5) { edges { node { username presence { online lastSeenAt } } } } }',
    { search: other.username },
    { token: viewer.token },
  );
  if (!result.data) throw new Error(`users failed: ${JSON.stringify(result.errors)}`);
  const node = result.data.users.edges.find((edge) => edge.node.username === other.username);
  if (!node) throw new Error(`${other.username} not listed`);
  return node.node.presence;
}

/** The viewer's own presence, through `me`. */
export async function ownPresence(server: Pick<TestServer, 'url'>, viewer: TestUser) {
  const result = await gql<{ me: { presence: { online: boolean; lastSeenAt: string | null } | null } }>(
    server,
    '{ me { presence { online lastSeenAt } } }',
    {},
    { token: viewer.token },
  );
  return result.data!.me.presence;
}
