import type { ResultOf } from 'gql.tada';
import { graphql } from '../tada.ts';

/** The viewer's account as Settings shows it: profile, email, sessions and passkeys. */
export const AccountQuery = graphql(`
  query Account {
    me {
      id
      username
      displayName
      avatarUrl
      email
      sessions {
        id
        current
        createdAt
        lastActiveAt
        device
        address
      }
      passkeys {
        id
        name
        createdAt
        lastUsedAt
      }
    }
  }
`);

export type AccountData = NonNullable<ResultOf<typeof AccountQuery>['me']>;

export const UpdateProfileMutation = graphql(`
  mutation UpdateProfile($displayName: String, $avatarUploadId: ID, $removeAvatar: Boolean) {
    updateProfile(displayName: $displayName, avatarUploadId: $avatarUploadId, removeAvatar: $removeAvatar) {
      id
      displayName
      avatarUrl
    }
  }
`);

/** A ticket for an avatar's bytes, as `createUpload` gives one for a file. */
export const CreateAvatarUploadMutation = graphql(`
  mutation CreateAvatarUpload($filename: String!, $contentType: String!, $size: Int!) {
    createAvatarUpload(filename: $filename, contentType: $contentType, size: $size) {
      id
      url
      headers {
        name
        value
      }
    }
  }
`);

export const ChangePasswordMutation = graphql(`
  mutation ChangePassword($currentPassword: String!, $newPassword: String!) {
    changePassword(currentPassword: $currentPassword, newPassword: $newPassword)
  }
`);

export const ChangeEmailMutation = graphql(`
  mutation ChangeEmail($password: String!, $email: String!) {
    changeEmail(password: $password, email: $email) {
      id
      email
    }
  }
`);

export const EndSessionMutation = graphql(`
  mutation EndSession($id: ID!) {
    endSession(id: $id)
  }
`);

export const EndOtherSessionsMutation = graphql(`
  mutation EndOtherSessions {
    endOtherSessions
  }
`);

export const PasskeyRegistrationOptionsMutation = graphql(`
  mutation PasskeyRegistrationOptions {
    passkeyRegistrationOptions
  }
`);

export const RegisterPasskeyMutation = graphql(`
  mutation RegisterPasskey($response: JSON!, $name: String) {
    registerPasskey(response: $response, name: $name) {
      id
      name
    }
  }
`);

export const RemovePasskeyMutation = graphql(`
  mutation RemovePasskey($id: ID!) {
    removePasskey(id: $id)
  }
`);

export const RenamePasskeyMutation = graphql(`
  mutation RenamePasskey($id: ID!, $name: String!) {
    renamePasskey(id: $id, name: $name) {
      id
      name
    }
  }
`);

export const DeleteAccountMutation = graphql(`
  mutation DeleteAccount($password: String!, $eraseMessages: Boolean!) {
    deleteAccount(password: $password, eraseMessages: $eraseMessages)
  }
`);

export const RequestPasswordResetMutation = graphql(`
  mutation RequestPasswordReset($email: String!) {
    requestPasswordReset(email: $email)
  }
`);

export const ResetPasswordMutation = graphql(`
  mutation ResetPassword($token: String!, $newPassword: String!) {
    resetPassword(token: $token, newPassword: $newPassword) {
      token
    }
  }
`);

export const PasskeyLoginOptionsMutation = graphql(`
  mutation PasskeyLoginOptions($username: String) {
    passkeyLoginOptions(username: $username)
  }
`);

export const LoginWithPasskeyMutation = graphql(`
  mutation LoginWithPasskey($response: JSON!) {
    loginWithPasskey(response: $response) {
      token
    }
  }
`);
