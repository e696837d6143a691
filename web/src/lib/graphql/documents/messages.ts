import type { ResultOf } from 'gql.tada';
import { graphql } from '../tada.ts';
import { MessageFields } from './fragments.ts';

export const SendMessageMutation = graphql(
  `
    mutation SendMessage(
      $conversationId: ID
      $to: String
      $body: String!
      $clientId: String
      $replyTo: ID
      $attachments: [ID!]
    ) {
      sendMessage(
        conversationId: $conversationId
        to: $to
        body: $body
        clientId: $clientId
        replyTo: $replyTo
        attachments: $attachments
      ) {
        ...MessageFields
      }
    }
  `,
  [MessageFields],
);

export const EditMessageMutation = graphql(
  `
    mutation EditMessage($id: ID!, $body: String!) {
      editMessage(id: $id, body: $body) {
        ...MessageFields
      }
    }
  `,
  [MessageFields],
);

export const DeleteMessageMutation = graphql(
  `
    mutation DeleteMessage($id: ID!) {
      deleteMessage(id: $id) {
        ...MessageFields
      }
    }
  `,
  [MessageFields],
);

export const AddReactionMutation = graphql(
  `
    mutation AddReaction($messageId: ID!, $emoji: String!) {
      addReaction(messageId: $messageId, emoji: $emoji) {
        ...MessageFields
      }
    }
  `,
  [MessageFields],
);

export const RemoveReactionMutation = graphql(
  `
    mutation RemoveReaction($messageId: ID!, $emoji: String!) {
      removeReaction(messageId: $messageId, emoji: $emoji) {
        ...MessageFields
      }
    }
  `,
  [MessageFields],
);

/** What a page leaves out of one message: who reacted, and its earlier texts. */
export const MessageDetailsQuery = graphql(`
  query MessageDetails($conversationId: ID!, $id: ID!) {
    conversationById(id: $conversationId) {
      id
      message(id: $id) {
        id
        revisions {
          body
          createdAt
        }
        reactions {
          emoji
          users(first: 20) {
            id
            username
            displayName
          }
        }
      }
    }
  }
`);

export const SetTypingMutation = graphql(`
  mutation SetTyping($conversationId: ID!, $typing: Boolean!) {
    setTyping(conversationId: $conversationId, typing: $typing)
  }
`);

export type MessageDetails = NonNullable<
  NonNullable<ResultOf<typeof MessageDetailsQuery>['conversationById']>['message']
>;

/** The first step of sending a file: a ticket to PUT its bytes with. */
export const CreateUploadMutation = graphql(`
  mutation CreateUpload($conversationId: ID!, $filename: String!, $contentType: String!, $size: Int!) {
    createUpload(conversationId: $conversationId, filename: $filename, contentType: $contentType, size: $size) {
      id
      url
      headers {
        name
        value
      }
    }
  }
`);
