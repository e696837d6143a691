import { badInput } from '../../domain/errors.ts';
import { builder } from '../../graphql/builder.ts';
import { perRequest } from '../../graphql/loaders.ts';
import type { UserRef } from '../../domain/people.ts';
import type { ProfileWireEvent } from '../../domain/wire-events.ts';
import { AVATAR_EDGES, avatarEdgeFor, type AvatarEdge } from '../files/storage.ts';
import { User } from './people.graphql.ts';

/** Where an avatar's square is served (see `transports/http/files.ts`). */
const avatarPath = (uploadId: string, edge: AvatarEdge) => `/files/avatars/${uploadId}/${edge}`;

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
    description: `The picture to show, a square WebP: ${AVATAR_EDGES.join(' or ')} pixels, the smallest at least \`size\` (default: the largest). Anyone signed in may load it. Null until one is set (clients show initials on a colour from the username) and once the account is deleted.`,
    args: { size: t.arg.int() },
    resolve: async (user, args, context) => {
      const size = args.size ?? Infinity;
      if (size < 1) throw badInput('size', 'An avatar size is a positive number of pixels.');
      const id = await perRequest(context, 'avatarIds', (users: readonly UserRef[]) =>
        context.services.profiles.avatarIds(users),
      ).load({ id: user.id, username: user.username });
      return id && avatarPath(id, avatarEdgeFor(size));
    },
  }),
}));

builder.mutationFields((t) => ({
  updateProfile: t.withAuth({ signedIn: true }).field({
    type: User,
    description:
      'Changes what is given, all or nothing: `displayName` (an empty one goes back to the username); `avatarUploadId`, a finished upload of `createAvatarUpload` holding an image (cropped square around its centre, kept without metadata); `removeAvatar: true` goes back to initials. Your conversation partners get a `ProfileEvent`.',
    args: {
      displayName: t.arg.string(),
      avatarUploadId: t.arg.id(),
      removeAvatar: t.arg.boolean(),
    },
    resolve: async (_root, args, context) => {
      await context.services.profiles.update(context.viewer, {
        displayName: args.displayName,
        avatarUploadId: args.avatarUploadId == null ? null : String(args.avatarUploadId),
        removeAvatar: args.removeAvatar,
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
