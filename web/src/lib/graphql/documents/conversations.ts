import type { ResultOf } from 'gql.tada';
import { graphql } from '../tada.ts';
import { MemberFields, MessageFields, SummaryFields } from './fragments.ts';

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

export const ConversationMembersQuery = graphql(
  `
    query ConversationMembers($id: ID!) {
      conversationById(id: $id) {
        id
        members {
          ...MemberFields
        }
      }
    }
  `,
  [MemberFields],
);

/** A page of 40: with each message's reactions counted at their most (20), 50 would pass the query cost limit. */
export const ConversationMessagesQuery = graphql(
  `
    query ConversationMessages($id: ID!, $before: String) {
      conversationById(id: $id) {
        id
        messages(last: 40, before: $before) {
          edges {
            node {
              ...MessageFields
              readByCount
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

export type MessagePage = NonNullable<
  ResultOf<typeof ConversationMessagesQuery>['conversationById']
>['messages'];
