import { builder } from '../../graphql/builder.ts';
import { Conversation, conversationNamed } from './conversations.graphql.ts';

builder.mutationFields((t) => ({
  createGroup: t.withAuth({ signedIn: true }).field({
    type: Conversation,
    description: 'A group with the viewer as owner; 2 to MAX_GROUP_MEMBERS people in all.',
    args: { title: t.arg.string({ required: true }), members: t.arg.stringList({ required: true }) },
    resolve: async (_root, args, context) =>
      conversationNamed(context, await context.services.groups.create(context.viewer, args.title, args.members)),
  }),
  addMembers: t.withAuth({ signedIn: true }).field({
    type: Conversation,
    description: 'Any member may add people.',
    args: { conversationId: t.arg.id({ required: true }), usernames: t.arg.stringList({ required: true }) },
    resolve: async (_root, args, context) => {
      const { access, groups } = context.services;
      const conversation = await access.group(context.viewer, String(args.conversationId));
      await groups.addMembers(context.viewer, conversation, args.usernames);
      return conversationNamed(context, conversation.id);
    },
  }),
  removeMember: t.withAuth({ signedIn: true }).field({
    type: Conversation,
    description: 'The owner removes anyone; anyone removes themself (leaves).',
    args: { conversationId: t.arg.id({ required: true }), username: t.arg.string({ required: true }) },
    resolve: async (_root, args, context) => {
      const { access, groups, chatList } = context.services;
      const conversation = await access.group(context.viewer, String(args.conversationId));
      await groups.removeMember(context.viewer, conversation, args.username);
      // Someone who left can no longer load it: answer with what is still theirs to see.
      return { ...conversationNamed(context, conversation.id), loaded: chatList.byId(context.viewer, conversation.id) };
    },
  }),
  renameConversation: t.withAuth({ signedIn: true }).field({
    type: Conversation,
    description: 'Only the owner renames a group.',
    args: { conversationId: t.arg.id({ required: true }), title: t.arg.string({ required: true }) },
    resolve: async (_root, args, context) => {
      const { access, groups } = context.services;
      const conversation = await access.group(context.viewer, String(args.conversationId));
      await groups.rename(context.viewer, conversation, args.title);
      return conversationNamed(context, conversation.id);
    },
  }),
}));
