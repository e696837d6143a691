import { builder } from '../../graphql/builder.ts';
import { perRequest } from '../../graphql/loaders.ts';
import type { UserRef } from '../../domain/people.ts';
import type { ProfileWireEvent } from '../../domain/wire-events.ts';
import { User } from './people.graphql.ts';

builder.objectFields(User, (t) => ({
  displayName: t.string({
    description:
      'The name to show: chosen by the person (1–64 characters, any script), else the username; "Deleted user" once the account is deleted.',
    // A message's sender may carry the name its write read (see `UserRef.displayName`).
    resolve: (user: UserRef, _args, context) =>
      user.displayName ??
      perRequest(context, 'displayNames', (users: readonly UserRef[]) =>
        context.services.profiles.displayNames(users),
      ).load({ id: user.id, username: user.username }),
  }),
  avatarUrl: t.string({
    nullable: true,
    description: 'The picture to show; null until one is set (clients show initials on a colour from the username).',
    resolve: () => null,
  }),
}));

builder.mutationFields((t) => ({
  updateProfile: t.withAuth({ signedIn: true }).field({
    type: User,
    description:
      'Changes what is given: `displayName` (an empty one goes back to the username). Avatars need the files feature’s upload flow: until this server has it, `avatarUploadId` is BAD_USER_INPUT and `removeAvatar` changes nothing.',
    args: {
      displayName: t.arg.string(),
      avatarUploadId: t.arg.id(),
      removeAvatar: t.arg.boolean(),
    },
    resolve: async (_root, args, context) => {
      await context.services.profiles.update(context.viewer, {
        displayName: args.displayName,
        avatarUploadId: args.avatarUploadId == null ? null : String(args.avatarUploadId),
      });
      return context.viewer;
    },
  }),
}));

export const ProfileEvent = builder
  .objectRef<{ type: 'event'; event: ProfileWireEvent }>('ProfileEvent')
  .implement({
    description:
      'Someone you share a conversation with (or you, from another device) changed their profile: `user { displayName avatarUrl }` is read as it now is.',
    fields: (t) => ({
      user: t.field({ type: User, resolve: ({ event }) => event.user }),
    }),
  });
