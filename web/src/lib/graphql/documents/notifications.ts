import { graphql } from '../tada.ts';
import { SummaryFields } from './fragments.ts';

export const PushPublicKeyQuery = graphql(`
  query PushPublicKey {
    pushPublicKey
  }
`);

export const RegisterPushMutation = graphql(`
  mutation RegisterPush($endpoint: String!, $p256dh: String!, $auth: String!) {
    registerPushSubscription(endpoint: $endpoint, p256dh: $p256dh, auth: $auth)
  }
`);

export const UnregisterPushMutation = graphql(`
  mutation UnregisterPush($endpoint: String!) {
    unregisterPushSubscription(endpoint: $endpoint)
  }
`);

export const ReportActivityMutation = graphql(`
  mutation ReportActivity($active: Boolean!) {
    reportActivity(active: $active)
  }
`);

export const SetNotificationLevelMutation = graphql(
  `
    mutation SetNotificationLevel($conversationId: ID!, $level: NotificationLevel!) {
      setNotificationLevel(conversationId: $conversationId, level: $level) {
        ...SummaryFields
      }
    }
  `,
  [SummaryFields],
);

export const MuteMutation = graphql(
  `
    mutation MuteConversation($conversationId: ID!, $until: DateTime) {
      muteConversation(conversationId: $conversationId, until: $until) {
        ...SummaryFields
      }
    }
  `,
  [SummaryFields],
);

export const UnmuteMutation = graphql(
  `
    mutation UnmuteConversation($conversationId: ID!) {
      unmuteConversation(conversationId: $conversationId) {
        ...SummaryFields
      }
    }
  `,
  [SummaryFields],
);
