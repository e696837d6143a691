import { gql } from '@urql/core';

/** The client's view of the API (`schema.graphql`); each document is typed by hand against it. */
export interface User {
  id: string;
  username: string;
}

export type MessageKind = 'TEXT' | 'SYSTEM';

export interface Message {
  id: string;
  body: string;
  clientId: string | null;
  createdAt: string;
  kind: MessageKind;
  /** Where `events(after:)` resumes from: only trusted when it came from the stream itself. */
  cursor: string;
  conversation: { id: string };
  sender: User;
}

export type ConversationKind = 'DIRECT' | 'GROUP';
export type MemberRole = 'OWNER' | 'MEMBER';

export interface Member {
  user: User;
  role: MemberRole;
  /** Null when this member's (or the viewer's) read receipts are private. */
  lastReadMessageId: string | null;
}

/** A row of the chat list, and the header of an open conversation. */
export interface ConversationSummary {
  id: string;
  kind: ConversationKind;
  /** A group's name; for a direct conversation the peer's username. */
  title: string;
  members: Member[];
  lastMessage: Message | null;
  unreadCount: number;
  lastReadMessageId: string | null;
  updatedAt: string;
}

interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

export interface MessagePage {
  edges: Array<{ node: Message }>;
  pageInfo: PageInfo;
}

export type MembershipChange = 'ADDED' | 'REMOVED' | 'LEFT';

export type ChatEvent =
  | { __typename: 'MessageEvent'; cursor: string; message: Message }
  | { __typename: 'ReadEvent'; conversation: { id: string }; user: User; lastReadMessageId: string }
  | {
      __typename: 'MembershipEvent';
      conversation: { id: string };
      user: User;
      change: MembershipChange;
      by: { username: string } | null;
    }
  | { __typename: 'ConversationEvent'; conversation: ConversationSummary };

const MESSAGE_FIELDS = gql`
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
`;

const SUMMARY_FIELDS = gql`
  fragment SummaryFields on Conversation {
    id
    kind
    title
    members {
      user {
        id
        username
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
  ${MESSAGE_FIELDS}
`;

export const MeQuery = gql<{ me: User | null }, Record<string, never>>`
  query Me {
    me {
      id
      username
    }
  }
`;

export const UsersQuery = gql<
  { users: { edges: Array<{ node: User }>; pageInfo: PageInfo } },
  { search: string | null; after: string | null }
>`
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
`;

export const ConversationsQuery = gql<
  { conversations: { edges: Array<{ node: ConversationSummary }>; pageInfo: PageInfo } },
  { after: string | null }
>`
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
  ${SUMMARY_FIELDS}
`;

export const ConversationSummaryQuery = gql<{ conversationById: ConversationSummary | null }, { id: string }>`
  query ConversationSummary($id: ID!) {
    conversationById(id: $id) {
      ...SummaryFields
    }
  }
  ${SUMMARY_FIELDS}
`;

export const ConversationMessagesQuery = gql<
  { conversationById: { id: string; messages: MessagePage } | null },
  { id: string; before: string | null }
>`
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
  ${MESSAGE_FIELDS}
`;

/** Which conversation, if any, the viewer already has with `peer`: its newest message names it. */
export const DirectConversationQuery = gql<
  { conversation: { edges: Array<{ node: { id: string; conversation: { id: string } } }> } },
  { peer: string }
>`
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
`;

export const SendMessageMutation = gql<
  { sendMessage: Message },
  { conversationId: string | null; to: string | null; body: string; clientId: string }
>`
  mutation SendMessage($conversationId: ID, $to: String, $body: String!, $clientId: String) {
    sendMessage(conversationId: $conversationId, to: $to, body: $body, clientId: $clientId) {
      ...MessageFields
    }
  }
  ${MESSAGE_FIELDS}
`;

export const MarkReadMutation = gql<
  { markRead: ConversationSummary },
  { conversationId: string; messageId: string }
>`
  mutation MarkRead($conversationId: ID!, $messageId: ID!) {
    markRead(conversationId: $conversationId, messageId: $messageId) {
      ...SummaryFields
    }
  }
  ${SUMMARY_FIELDS}
`;

export const CreateGroupMutation = gql<
  { createGroup: ConversationSummary },
  { title: string; members: string[] }
>`
  mutation CreateGroup($title: String!, $members: [String!]!) {
    createGroup(title: $title, members: $members) {
      ...SummaryFields
    }
  }
  ${SUMMARY_FIELDS}
`;

export const AddMembersMutation = gql<
  { addMembers: ConversationSummary },
  { conversationId: string; usernames: string[] }
>`
  mutation AddMembers($conversationId: ID!, $usernames: [String!]!) {
    addMembers(conversationId: $conversationId, usernames: $usernames) {
      ...SummaryFields
    }
  }
  ${SUMMARY_FIELDS}
`;

export const RemoveMemberMutation = gql<
  { removeMember: { id: string } },
  { conversationId: string; username: string }
>`
  mutation RemoveMember($conversationId: ID!, $username: String!) {
    removeMember(conversationId: $conversationId, username: $username) {
      id
    }
  }
`;

export const RenameConversationMutation = gql<
  { renameConversation: ConversationSummary },
  { conversationId: string; title: string }
>`
  mutation RenameConversation($conversationId: ID!, $title: String!) {
    renameConversation(conversationId: $conversationId, title: $title) {
      ...SummaryFields
    }
  }
  ${SUMMARY_FIELDS}
`;

/** The one stream of everything that happens to the viewer; `after` resumes after a MessageEvent's cursor. */
export const EventsSubscription = gql<{ events: ChatEvent }, { after: string | null }>`
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
    }
  }
  ${SUMMARY_FIELDS}
`;

export const LoginMutation = gql<{ login: { user: User } }, { username: string; password: string }>`
  mutation Login($username: String!, $password: String!) {
    login(username: $username, password: $password) {
      user {
        id
        username
      }
    }
  }
`;

export const SignupMutation = gql<
  { signup: { user: User } },
  { username: string; email: string; password: string }
>`
  mutation Signup($username: String!, $email: String!, $password: String!) {
    signup(username: $username, email: $email, password: $password) {
      user {
        id
        username
      }
    }
  }
`;
