import { gql } from '@urql/core';

/** The client's view of the API (`schema.graphql`); each document is typed by hand against it. */
export interface User {
  id: string;
  username: string;
}

export interface Message {
  id: string;
  body: string;
  clientId: string | null;
  createdAt: string;
  sender: User;
  receiver: User;
}

interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

const MESSAGE_FIELDS = gql`
  fragment MessageFields on Message {
    id
    body
    clientId
    createdAt
    sender {
      id
      username
    }
    receiver {
      id
      username
    }
  }
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

export const ConversationQuery = gql<
  { conversation: { edges: Array<{ node: Message }>; pageInfo: PageInfo } },
  { peer: string; before: string | null }
>`
  query Conversation($peer: String!, $before: String) {
    conversation(peer: $peer, last: 50, before: $before) {
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
  ${MESSAGE_FIELDS}
`;

export const SendMessageMutation = gql<
  { sendMessage: Message },
  { to: string; body: string; clientId: string }
>`
  mutation SendMessage($to: String!, $body: String!, $clientId: String) {
    sendMessage(to: $to, body: $body, clientId: $clientId) {
      ...MessageFields
    }
  }
  ${MESSAGE_FIELDS}
`;

export const MessageAddedSubscription = gql<
  { messageAdded: Message },
  { peer: string; after: string | null }
>`
  subscription MessageAdded($peer: String!, $after: ID) {
    messageAdded(peer: $peer, after: $after) {
      ...MessageFields
    }
  }
  ${MESSAGE_FIELDS}
`;

export const InboxSubscription = gql<{ inbox: Message }, Record<string, never>>`
  subscription Inbox {
    inbox {
      ...MessageFields
    }
  }
  ${MESSAGE_FIELDS}
`;
