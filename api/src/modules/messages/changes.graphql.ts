import type { MessageView, ReactionView } from '../../domain/messages.ts';
import { badInput } from '../../domain/errors.ts';
import { MAX_MENTIONS } from '../../domain/mentions.ts';
import { builder } from '../../graphql/builder.ts';
import { requireViewer, type Context } from '../../graphql/context.ts';
import { perRequest } from '../../graphql/loaders.ts';
import { queryLimits } from '../../graphql/limits.ts';
import type { MaxItems } from '../../graphql/query-cost.ts';
import { User } from '../people/people.graphql.ts';
import { MAX_EDITS, MAX_REACTION_EMOJI } from './changes.ts';
import type { RevisionView } from './details.ts';
import { Message } from './messages.graphql.ts';

/** The people with these ids, in that order (the directory caches them). */
async function people(context: Context, ids: readonly number[]) {
  const found = await context.services.users.byIds(ids);
  return ids.flatMap((id) => found.get(id) ?? []);
}

const MessageRevision = builder.objectRef<RevisionView>('MessageRevision').implement({
  description: 'A text a message had, and when it was written.',
  fields: (t) => ({
    body: t.exposeString('body'),
    createdAt: t.field({ type: 'DateTime', resolve: (revision) => revision.writtenAt }),
  }),
});

const Reaction = builder.objectRef<ReactionView>('Reaction').implement({
  description: 'Everyone who reacted to a message with one emoji.',
  fields: (t) => ({
    emoji: t.exposeString('emoji'),
    count: t.int({ resolve: (reaction) => reaction.userIds.length }),
    reactedByMe: t.boolean({ resolve: (reaction, _args, context) => reaction.userIds.includes(requireViewer(context).id) }),
    users: t.field({
      type: [User],
      description: 'Who reacted, in the order they did; the first 50 unless `first` says otherwise.',
      args: { first: t.arg.int() },
      extensions: { maxItems: 'groupMembers' satisfies MaxItems },
      resolve: (reaction, { first }, context) => {
        const size = first ?? queryLimits.defaultPageSize;
        if (!Number.isInteger(size) || size < 1 || size > queryLimits.maxPageSize)
          throw badInput('first', `first must be between 1 and ${queryLimits.maxPageSize}.`);
        return people(context, reaction.userIds.slice(0, size));
      },
    }),
  }),
});

builder.objectFields(Message, (t) => ({
  editedAt: t.field({ type: 'DateTime', nullable: true, description: 'Null unless edited.', resolve: (message) => message.editedAt }),
  editableUntil: t.field({
    type: 'DateTime',
    nullable: true,
    description:
      'Until when you may edit it (MESSAGE_EDIT_WINDOW after sending); null when you may not: not yours, not text, or deleted. Past 20 edits `editMessage` still refuses.',
    resolve: (message, _args, context) => context.services.changes.editableUntil(requireViewer(context), message),
  }),
  deletedAt: t.field({
    type: 'DateTime',
    nullable: true,
    description: 'Set once deleted for everyone; its body is then "".',
    resolve: (message) => message.deletedAt,
  }),
  revisions: t.field({
    type: [MessageRevision],
    description: 'Its earlier texts, oldest first; none when never edited, or deleted.',
    extensions: { maxItems: MAX_EDITS satisfies MaxItems },
    resolve: (message, _args, context) =>
      message.editedAt === null || message.deletedAt !== null
        ? []
        : perRequest(context, 'revisions', async (ids: readonly string[]) => {
            const revisions = await context.services.details.revisions(ids);
            return ids.map((id) => revisions.get(id) ?? []);
          }).load(message.id),
  }),
  replyTo: t.field({
    type: Message,
    nullable: true,
    description: 'The message this one answers, as it is now (it may have been edited or deleted).',
    resolve: (message, _args, context) =>
      message.replyToId === null
        ? null
        : perRequest(context, 'replyTo', async (replies: readonly MessageView[]) => {
            const replied = await context.services.details.repliedTo(replies);
            return replies.map((reply) => replied.get(reply.id) ?? null);
          }).load(message),
  }),
  reactions: t.field({
    type: [Reaction],
    description: 'One entry per emoji, in order of first use; none once deleted.',
    extensions: { maxItems: MAX_REACTION_EMOJI satisfies MaxItems },
    resolve: (message, _args, context) =>
      message.reactions ??
      perRequest(context, 'reactions', async (ids: readonly string[]) => {
        const reactions = await context.services.details.reactions(ids);
        return ids.map((id) => reactions.get(id) ?? []);
      }).load(message.id),
  }),
  mentions: t.field({
    type: [User],
    description: 'The members it names as @username (the first 20 @names of the body count).',
    extensions: { maxItems: MAX_MENTIONS satisfies MaxItems },
    resolve: async (message, _args, context) =>
      people(
        context,
        message.mentionIds ??
          (await perRequest(context, 'mentions', async (ids: readonly string[]) => {
            const mentions = await context.services.details.mentions(ids);
            return ids.map((id) => mentions.get(id) ?? []);
          }).load(message.id)),
      ),
  }),
  mentionsEveryone: t.exposeBoolean('mentionsEveryone', { description: '@all or @everyone, in a group.' }),
}));

builder.mutationFields((t) => ({
  editMessage: t.withAuth({ signedIn: true }).field({
    type: Message,
    description:
      'Its sender changes a text message, within MESSAGE_EDIT_WINDOW of sending and at most 20 times; the earlier text is kept in `revisions`, for every member to see.',
    args: { id: t.arg.id({ required: true }), body: t.arg.string({ required: true }) },
    resolve: async (_root, args, context) => {
      const conversation = await context.services.access.ofMessage(context.viewer, String(args.id));
      return context.services.changes.edit(conversation, String(args.id), args.body);
    },
  }),
  deleteMessage: t.withAuth({ signedIn: true }).field({
    type: Message,
    description:
      "Deletes a message for everyone (its sender, or a group's owner) and answers its tombstone: its text, earlier texts, reactions and mentions are gone.",
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, context) => {
      const conversation = await context.services.access.ofMessage(context.viewer, String(args.id));
      return context.services.changes.delete(conversation, String(args.id));
    },
  }),
  addReaction: t.withAuth({ signedIn: true }).field({
    type: Message,
    description: 'Reacts with one emoji; adding it twice changes nothing.',
    args: { messageId: t.arg.id({ required: true }), emoji: t.arg.string({ required: true }) },
    resolve: async (_root, args, context) => {
      const conversation = await context.services.access.ofMessage(context.viewer, String(args.messageId), 'messageId');
      return context.services.changes.react(conversation, String(args.messageId), args.emoji);
    },
  }),
  removeReaction: t.withAuth({ signedIn: true }).field({
    type: Message,
    description: 'Takes a reaction back; taking back one that is not there changes nothing.',
    args: { messageId: t.arg.id({ required: true }), emoji: t.arg.string({ required: true }) },
    resolve: async (_root, args, context) => {
      const conversation = await context.services.access.ofMessage(context.viewer, String(args.messageId), 'messageId');
      return context.services.changes.unreact(conversation, String(args.messageId), args.emoji);
    },
  }),
}));
