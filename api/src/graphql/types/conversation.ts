import { requireViewer, type Context } from '../../context.ts';
import type { ConversationRef, ConversationView, MemberView } from '../../services/conversations.ts';
import { AppError } from '../../services/errors.ts';
import type { UserRef } from '../../services/users.ts';
import { builder } from '../builder.ts';
import { perRequest } from '../loaders.ts';
import { Message, messageConnection, MessageConnection } from './message.ts';
import { User } from './user.ts';

/**
 * A conversation as GraphQL sees it: its id and viewer, and the rest loaded
 * on first use, so `conversation { id }` on a message or event costs nothing.
 */
export interface ConversationParent {
  id: number;
  viewer: UserRef;
  loaded?: Promise<ConversationView | null>;
  /** The viewer's membership, when the resolver that found the conversation checked it already. */
  access?: ConversationRef;
}

export const conversationParent = (view: ConversationView): ConversationParent => ({
  id: view.id,
  viewer: view.viewer,
  loaded: Promise.resolve(view),
});

async function load(parent: ConversationParent, context: Context): Promise<ConversationView> {
  parent.loaded ??= context.services.conversations.byId(parent.viewer, parent.id);
  const view = await parent.loaded;
  if (!view) throw new AppError('NOT_FOUND', 'There is no such conversation.');
  return view;
}

export const ConversationKind = builder.enumType('ConversationKind', {
  values: ['DIRECT', 'GROUP'] as const,
});
export const MemberRole = builder.enumType('MemberRole', { values: ['OWNER', 'MEMBER'] as const });

const ConversationMember = builder.objectRef<MemberView>('ConversationMember').implement({
  description: 'Someone in a conversation.',
  fields: (t) => ({
    user: t.field({ type: User, resolve: (member) => member.user }),
    role: t.field({ type: MemberRole, resolve: (member) => member.role }),
    lastReadMessageId: t.id({
      nullable: true,
      description: "The member's read position; null when either side keeps read receipts private.",
      resolve: (member) => member.lastReadMessageId,
    }),
  }),
});

export const Conversation = builder.objectRef<ConversationParent>('Conversation').implement({
  description: 'A direct conversation between two people, or a group.',
  fields: (t) => ({
    id: t.id({ resolve: (parent) => parent.id }),
    kind: t.field({
      type: ConversationKind,
      resolve: async (parent, _args, context) => (await load(parent, context)).kind,
    }),
    title: t.string({
      description: "A group's name; for a direct conversation the other person's username.",
      resolve: async (parent, _args, context) => (await load(parent, context)).title,
    }),
    members: t.field({
      type: [ConversationMember],
      description: 'Oldest member first.',
      resolve: async (parent, _args, context) => {
        // Members only: someone who left (whose mutation or last event still names the group) sees nobody.
        await load(parent, context);
        const viewer = requireViewer(context);
        return perRequest(context, 'members', async (ids: readonly number[]) => {
          const members = await context.services.conversations.members(viewer, ids);
          return ids.map((id) => members.get(id) ?? []);
        }).load(parent.id);
      },
    }),
    lastMessage: t.field({
      type: Message,
      nullable: true,
      resolve: async (parent, _args, context) => (await load(parent, context)).lastMessage,
    }),
    unreadCount: t.int({
      description: `Text messages from others after the viewer's read position (counted up to 9,999).`,
      resolve: async (parent, _args, context) => (await load(parent, context)).unreadCount,
    }),
    lastReadMessageId: t.id({
      nullable: true,
      description: "The viewer's own read position.",
      resolve: async (parent, _args, context) => (await load(parent, context)).lastReadMessageId,
    }),
    updatedAt: t.field({
      type: 'DateTime',
      description: 'The time of the last message (the creation time before any).',
      resolve: async (parent, _args, context) => (await load(parent, context)).updatedAt,
    }),
    messages: t.connection(
      {
        type: Message,
        description: 'Oldest first; `last: 50` is the newest 50.',
        resolve: async (parent, args, context) => {
          const conversation =
            parent.access ?? (await context.services.conversations.access(parent.viewer, String(parent.id)));
          return messageConnection(await context.services.messages.page(conversation, args));
        },
      },
      MessageConnection,
    ),
  }),
});

const ConversationConnection = builder
  .objectRef<{ edges: Array<{ cursor: string; node: ConversationParent }>; pageInfo: PageInfoShape }>(
    'ConversationConnection',
  )
  .implement({
    fields: (t) => ({
      edges: t.field({
        type: [
          builder.objectRef<{ cursor: string; node: ConversationParent }>('ConversationEdge').implement({
            fields: (edge) => ({
              cursor: edge.exposeString('cursor'),
              node: edge.field({ type: Conversation, resolve: (value) => value.node }),
            }),
          }),
        ],
        resolve: (connection) => connection.edges,
      }),
      pageInfo: t.field({ type: builder.pageInfoRef(), resolve: (connection) => connection.pageInfo }),
    }),
  });

interface PageInfoShape {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

builder.queryFields((t) => ({
  conversations: t.field({
    type: ConversationConnection,
    description: "The viewer's conversations, most recent activity first.",
    args: { first: t.arg.int(), after: t.arg.string() },
    resolve: async (_root, args, context) => {
      const { conversations } = context.services;
      const page = await conversations.list(requireViewer(context), args);
      const edges = page.conversations.map((view) => ({
        cursor: conversations.listCursor(view),
        node: conversationParent(view),
      }));
      return {
        edges,
        pageInfo: {
          hasNextPage: page.hasNextPage,
          hasPreviousPage: args.after != null,
          startCursor: edges[0]?.cursor ?? null,
          endCursor: edges.at(-1)?.cursor ?? null,
        },
      };
    },
  }),
  conversationById: t.field({
    type: Conversation,
    nullable: true,
    description: 'Null unless the viewer is a member.',
    args: { id: t.arg.id({ required: true }) },
    // The membership check alone: the summary (last message, unread count) is loaded only when
    // asked for, so a history page, which asks for `id` and `messages`, does not pay for it.
    resolve: async (_root, args, context) => {
      const access = await context.services.conversations.tryAccess(requireViewer(context), String(args.id));
      return access && { id: access.id, viewer: access.viewer, access };
    },
  }),
}));

const changed = (context: Context, id: number): ConversationParent => ({
  id,
  viewer: requireViewer(context),
});

builder.mutationFields((t) => ({
  createGroup: t.field({
    type: Conversation,
    description: 'A group with the viewer as owner; 2 to MAX_GROUP_MEMBERS people in all.',
    args: { title: t.arg.string({ required: true }), members: t.arg.stringList({ required: true }) },
    resolve: async (_root, args, context) =>
      changed(
        context,
        (await context.services.conversations.createGroup(requireViewer(context), args.title, args.members))
          .id,
      ),
  }),
  addMembers: t.field({
    type: Conversation,
    description: 'Any member may add people.',
    args: { conversationId: t.arg.id({ required: true }), usernames: t.arg.stringList({ required: true }) },
    resolve: async (_root, args, context) =>
      changed(
        context,
        (
          await context.services.conversations.addMembers(
            requireViewer(context),
            String(args.conversationId),
            args.usernames,
          )
        ).id,
      ),
  }),
  removeMember: t.field({
    type: Conversation,
    description: 'The owner removes anyone; anyone removes themself (leaves).',
    args: { conversationId: t.arg.id({ required: true }), username: t.arg.string({ required: true }) },
    resolve: async (_root, args, context) => {
      const viewer = requireViewer(context);
      const conversation = await context.services.conversations.removeMember(
        viewer,
        String(args.conversationId),
        args.username,
      );
      // Someone who left can no longer load it: answer with what is still theirs to see.
      return {
        id: conversation.id,
        viewer,
        loaded: context.services.conversations.byId(viewer, conversation.id),
      };
    },
  }),
  renameConversation: t.field({
    type: Conversation,
    description: 'Only the owner renames a group.',
    args: { conversationId: t.arg.id({ required: true }), title: t.arg.string({ required: true }) },
    resolve: async (_root, args, context) =>
      changed(
        context,
        (
          await context.services.conversations.rename(
            requireViewer(context),
            String(args.conversationId),
            args.title,
          )
        ).id,
      ),
  }),
  markRead: t.field({
    type: Conversation,
    description: 'Moves the read position forward to `messageId`; a mark behind it changes nothing.',
    args: { conversationId: t.arg.id({ required: true }), messageId: t.arg.id({ required: true }) },
    resolve: async (_root, args, context) =>
      changed(
        context,
        (
          await context.services.conversations.markRead(
            requireViewer(context),
            String(args.conversationId),
            String(args.messageId),
          )
        ).id,
      ),
  }),
}));

builder.objectField(Message, 'conversation', (t) =>
  t.field({
    type: Conversation,
    resolve: (message, _args, context) => ({ id: message.conversationId, viewer: requireViewer(context) }),
  }),
);
