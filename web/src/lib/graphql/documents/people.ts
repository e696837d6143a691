import type { ResultOf } from 'gql.tada';
import { graphql } from '../tada.ts';

export const MeQuery = graphql(`
  query Me {
    me {
      id
      username
      displayName
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
          displayName
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

/** Avatars of people met in messages and lists, by id (see `ProfileBook`): 64 px squares. */
export const AvatarsQuery = graphql(`
  query Avatars($ids: [ID!]!) {
    usersById(ids: $ids) {
      id
      avatarUrl(size: 64)
    }
  }
`);

export const SettingsFields = graphql(`
  fragment SettingsFields on Settings {
    sharePresence
    shareReadReceipts
    pushPreviews
    quietHours {
      start
      end
      timeZone
      allowDirect
      allowMentions
    }
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
        displayName
      }
    }
  `,
  [SettingsFields],
);

export const UpdateSettingsMutation = graphql(
  `
    mutation UpdateSettings(
      $sharePresence: Boolean
      $shareReadReceipts: Boolean
      $pushPreviews: Boolean
      $quietHours: QuietHoursInput
      $clearQuietHours: Boolean
    ) {
      updateSettings(
        sharePresence: $sharePresence
        shareReadReceipts: $shareReadReceipts
        pushPreviews: $pushPreviews
        quietHours: $quietHours
        clearQuietHours: $clearQuietHours
      ) {
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
        displayName
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
        displayName
      }
    }
  }
`);

export type Settings = ResultOf<typeof SettingsFields>;
