import type { ResultOf } from 'gql.tada';
import { graphql } from '../tada.ts';

/** What a reply shows of the message it answers, as that message is now (edited, or deleted). */
export const QuoteFields = graphql(`
  fragment QuoteFields on Message {
    id
    body
    kind
    deletedAt
    sender {
      id
      username
      displayName
    }
  }
`);

/**
 * A message as the timeline shows it. Who reacted and earlier texts are left out: every message
 * of a page would count them at their most in the query cost; `MessageDetailsQuery` reads them.
 */
export const MessageFields = graphql(
  `
    fragment MessageFields on Message {
      id
      body
      clientId
      createdAt
      kind
      cursor
      editedAt
      editableUntil
      deletedAt
      conversation {
        id
      }
      sender {
        id
        username
        displayName
      }
      replyTo {
        ...QuoteFields
      }
      reactions {
        emoji
        count
        reactedByMe
      }
      attachments {
        id
        filename
        contentType
        size
        width
        height
        url
        thumbnailUrl
        previewUrl
      }
    }
  `,
  [QuoteFields],
);

/** What a chat list row shows of its last message. */
export const PreviewFields = graphql(`
  fragment PreviewFields on Message {
    id
    body
    kind
    createdAt
    deletedAt
    sender {
      id
      username
      displayName
    }
    attachments {
      filename
      thumbnailUrl
    }
  }
`);

export const PresenceFields = graphql(`
  fragment PresenceFields on Presence {
    online
    lastSeenAt
  }
`);

/** A row of the chat list: what it shows, without the members (a group's can be hundreds). */
export const SummaryFields = graphql(
  `
    fragment SummaryFields on Conversation {
      id
      kind
      title
      memberCount
      peer {
        id
        username
        displayName
        blockedByMe
        blocksMe
        presence {
          ...PresenceFields
        }
      }
      lastMessage {
        ...PreviewFields
      }
      unreadCount
      mentionCount
      lastReadMessageId
      updatedAt
      notificationLevel
      muted
      mutedUntil
    }
  `,
  [PreviewFields, PresenceFields],
);

/** The people of the open conversation, with their roles and read positions. */
export const MemberFields = graphql(
  `
    fragment MemberFields on ConversationMember {
      user {
        id
        username
        displayName
        presence {
          ...PresenceFields
        }
      }
      role
      lastReadMessageId
    }
  `,
  [PresenceFields],
);

/**
 * A message: its `cursor` is where `events(after:)` resumes (trusted only from the stream itself).
 * Only a history page asks for `readByCount`: a message that arrives live or answers a mutation
 * has its count already shown (read events raise it), and asking would cost a query per delivery.
 */
export type Message = ResultOf<typeof MessageFields> & { readByCount?: number | null };
export type User = Message['sender'];
export type Quote = ResultOf<typeof QuoteFields>;
export type Reaction = Message['reactions'][number];
export type Attachment = Message['attachments'][number];
export type Preview = ResultOf<typeof PreviewFields>;
export type MessageKind = Message['kind'];
/** A row of the chat list, and the header of an open conversation. */
export type ConversationSummary = ResultOf<typeof SummaryFields>;
export type Member = ResultOf<typeof MemberFields>;
export type ConversationKind = ConversationSummary['kind'];
/** Whether someone is online, or when they last were; null when either side hides it. */
export type Presence = ResultOf<typeof PresenceFields>;
