import type { ResultOf } from 'gql.tada';
import { graphql } from '../tada.ts';
import { MessageFields, PresenceFields, SummaryFields } from './fragments.ts';

/**
 * The one stream of everything that happens to the viewer; `after` resumes after a MessageEvent's or
 * MessageUpdatedEvent's cursor. A new message says whom it mentions (for the list's @ mark).
 */
export const EventsSubscription = graphql(
  `
    subscription Events($after: String) {
      events(after: $after) {
        __typename
        ... on MessageEvent {
          cursor
          message {
            ...MessageFields
            mentions {
              id
            }
            mentionsEveryone
          }
        }
        ... on MessageUpdatedEvent {
          cursor
          message {
            ...MessageFields
            mentions {
              id
            }
            mentionsEveryone
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
            displayName
          }
          typing
        }
        ... on RelationshipEvent {
          user {
            id
            username
            presence {
              ...PresenceFields
            }
          }
        }
        ... on ProfileEvent {
          user {
            id
            username
            displayName
            avatarUrl(size: 64)
          }
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

export type ChatEvent = ResultOf<typeof EventsSubscription>['events'];
