import { initGraphQLTada, type ResultOf } from 'gql.tada';
import type { introspection } from './graphql-env.d.ts';

/**
 * The client's view of the API, typed from `schema.graphql` by gql.tada (`npx gql-tada generate
 * output --tsconfig web/tsconfig.json` writes `graphql-env.d.ts` from it after `npm run schema`):
 * a field the server renames or drops fails the type check.
 * Fragments are not masked: a fragment's fields are on the object that spreads it.
 */
const graphql = initGraphQLTada<{
  introspection: introspection;
  scalars: { DateTime: string };
  disableMasking: true;
}>();

const MessageFields = graphql(`
  fragment MessageFields on Message {
    id
    body
    clientId
    createdAt
    kind
    cursor
    conversation {
      id
    }
    sender {
      id
      username
    }
  }
`);

const PresenceFields = graphql(`
  fragment PresenceFields on Presence {
    online
    lastSeenAt
  }
`);

const SummaryFields = graphql(
  `
    fragment SummaryFields on Conversation {
      id
      kind
      title
      members {
        user {
          id
          username
          presence {
            ...PresenceFields
          }
        }
        role
        lastReadMessageId
      }
      lastMessage {
        ...MessageFields
      }
      unreadCount
      lastReadMessageId
      updatedAt
    }
  `,
  [MessageFields, PresenceFields],
);

export const MeQuery = graphql(`
  query Me {
    me {
      id
      username
    }
  }
`);

export const UsersQuery = graphql(`
  query Users($search: String, $after: String) {
    users(search: $search, first: 30, after: $after) {
      edges {
        node {
          id
          username
        }
      }
      pageInfo {
        hasNextPage
        hasPreviousPage
        startCursor
        endCursor
      }
    }
  }
`);

export const ConversationsQuery = graphql(
  `
    query Conversations($after: String) {
      conversations(first: 50, after: $after) {
        edges {
          node {
            ...SummaryFields
          }
        }
        pageInfo {
          hasNextPage
          hasPreviousPage
          startCursor
          endCursor
        }
      }
    }
  `,
  [SummaryFields],
);

export const ConversationSummaryQuery = graphql(
  `
    query ConversationSummary($id: ID!) {
      conversationById(id: $id) {
        ...SummaryFields
      }
    }
  `,
  [SummaryFields],
);

export const ConversationMessagesQuery = graphql(
  `
    query ConversationMessages($id: ID!, $before: String) {
      conversationById(id: $id) {
        id
        messages(last: 50, before: $before) {
          edges {
            node {
              ...MessageFields
            }
          }
          pageInfo {
            hasNextPage
            hasPreviousPage
            startCursor
            endCursor
          }
        }
      }
    }
  `,
  [MessageFields],
);

/** Which conversation, if any, the viewer already has with `peer`: its newest message names it. */
export const DirectConversationQuery = graphql(`
  query DirectConversation($peer: String!) {
    conversation(peer: $peer, last: 1) {
      edges {
        node {
          id
          conversation {
            id
          }
        }
      }
    }
  }
`);

export const SendMessageMutation = graphql(
  `
    mutation SendMessage($conversationId: ID, $to: String, $body: String!, $clientId: String) {
      sendMessage(conversationId: $conversationId, to: $to, body: $body, clientId: $clientId) {
        ...MessageFields
      }
    }
  `,
  [MessageFields],
);

export const MarkReadMutation = graphql(
  `
    mutation MarkRead($conversationId: ID!, $messageId: ID!) {
      markRead(conversationId: $conversationId, messageId: $messageId) {
        ...SummaryFields
      }
    }
  `,
  [SummaryFields],
);

export const CreateGroupMutation = graphql(
  `
    mutation CreateGroup($title: String!, $members: [String!]!) {
      createGroup(title: $title, members: $members) {
        ...SummaryFields
      }
    }
  `,
  [SummaryFields],
);

export const AddMembersMutation = graphql(
  `
    mutation AddMembers($conversationId: ID!, $usernames: [String!]!) {
      addMembers(conversationId: $conversationId, usernames: $usernames) {
        ...SummaryFields
      }
    }
  `,
  [SummaryFields],
);

export const RemoveMemberMutation = graphql(`
  mutation RemoveMember($conversationId: ID!, $username: String!) {
    removeMember(conversationId: $conversationId, username: $username) {
      id
    }
  }
`);

export const RenameConversationMutation = graphql(
  `
    mutation RenameConversation($conversationId: ID!, $title: String!) {
      renameConversation(conversationId: $conversationId, title: $title) {
        ...SummaryFields
      }
    }
  `,
  [SummaryFields],
);

/** The one stream of everything that happens to the viewer; `after` resumes after a MessageEvent's cursor. */
export const EventsSubscription = graphql(
  `
    subscription Events($after: String) {
      events(after: $after) {
        __typename
        ... on MessageEvent {
          cursor
          message {
            ...MessageFields
          }
        }
        ... on ReadEvent {
          conversation {
            id
          }
          user {
            id
            username
          }
          lastReadMessageId
        }
        ... on MembershipEvent {
          conversation {
            id
          }
          user {
            id
            username
          }
          change
          by {
            username
          }
        }
        ... on ConversationEvent {
          conversation {
            ...SummaryFields
          }
        }
        ... on TypingEvent {
          conversation {
            id
          }
          user {
            id
            username
          }
          typing
        }
        ... on PresenceEvent {
          user {
            id
            username
          }
          presence {
            ...PresenceFields
          }
        }
      }
    }
  `,
  [MessageFields, SummaryFields, PresenceFields],
);

export const SetTypingMutation = graphql(`
  mutation SetTyping($conversationId: ID!, $typing: Boolean!) {
    setTyping(conversationId: $conversationId, typing: $typing)
  }
`);

const SettingsFields = graphql(`
  fragment SettingsFields on Settings {
    sharePresence
    shareReadReceipts
  }
`);

/** The viewer's privacy: their settings and the people they blocked. */
export const PrivacyQuery = graphql(
  `
    query Privacy {
      me {
        id
        settings {
          ...SettingsFields
        }
      }
      blockedUsers {
        id
        username
      }
    }
  `,
  [SettingsFields],
);

export const UpdateSettingsMutation = graphql(
  `
    mutation UpdateSettings($sharePresence: Boolean, $shareReadReceipts: Boolean) {
      updateSettings(sharePresence: $sharePresence, shareReadReceipts: $shareReadReceipts) {
        ...SettingsFields
      }
    }
  `,
  [SettingsFields],
);

export const BlockMutation = graphql(`
  mutation Block($username: String!) {
    block(username: $username)
  }
`);

export const UnblockMutation = graphql(`
  mutation Unblock($username: String!) {
    unblock(username: $username)
  }
`);

export const LoginMutation = graphql(`
  mutation Login($username: String!, $password: String!) {
    login(username: $username, password: $password) {
      user {
        id
        username
      }
    }
  }
`);

export const SignupMutation = graphql(`
  mutation Signup($username: String!, $email: String!, $password: String!) {
    signup(username: $username, email: $email, password: $password) {
      user {
        id
        username
      }
    }
  }
`);

/** A message: its `cursor` is where `events(after:)` resumes (trusted only from the stream itself). */
export type Message = ResultOf<typeof MessageFields>;
export type User = Message['sender'];
export type MessageKind = Message['kind'];
/** A row of the chat list, and the header of an open conversation. */
export type ConversationSummary = ResultOf<typeof SummaryFields>;
export type Member = ConversationSummary['members'][number];
export type MessagePage = NonNullable<
  ResultOf<typeof ConversationMessagesQuery>['conversationById']
>['messages'];
export type ChatEvent = ResultOf<typeof EventsSubscription>['events'];
export type ConversationKind = ConversationSummary['kind'];
/** Whether someone is online, or when they last were; null when either side hides it. */
export type Presence = ResultOf<typeof PresenceFields>;
export type Settings = ResultOf<typeof SettingsFields>;
