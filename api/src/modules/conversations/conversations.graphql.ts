import { requireViewer, type Context } from '../../graphql/context.ts';
import type { ConversationRef } from '../../domain/conversations.ts';
import { noSuchConversation } from '../../domain/errors.ts';
import type { UserRef } from '../../domain/people.ts';
import { builder } from '../../graphql/builder.ts';
import { perRequest } from '../../graphql/loaders.ts';
import type { MaxItems } from '../../graphql/query-cost.ts';
import { Message, messageConnection, MessageConnection } from '../messages/messages.graphql.ts';
import { User } from '../people/people.graphql.ts';
import type { ConversationView, MemberView } from './chat-list.ts';

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

/** A conversation named by an event or a mutation's answer: loaded (and its membership checked) when asked. */
export const conversationNamed = (context: Context, id: number): ConversationParent => ({
  id,
  viewer: requireViewer(context),
});

/** The summary, which only a member gets: anyone else finds no such conversation. */
export async function loadConversation(parent: ConversationParent, context: Context): Promise<ConversationView> {
  parent.loaded ??= context.services.chatList.byId(parent.viewer, parent.id);
  const view = await parent.loaded;
  if (!view) throw noSuchConversation();
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
      resolve: async (parent, _args, context) => (await loadConversation(parent, context)).kind,
    }),
    title: t.string({
      description: "A group's name; for a direct conversation the other person's username.",
      resolve: async (parent, _args, context) => (await loadConversation(parent, context)).title,
    }),
    memberCount: t.int({
      description: 'How many people are in it (a list shows this rather than loading every member).',
      resolve: async (parent, _args, context) => (await loadConversation(parent, context)).memberCount,
    }),
    peer: t.field({
      type: User,
      nullable: true,
      description: "A direct conversation's other person; null for a group.",
      resolve: async (parent, _args, context) => (await loadConversation(parent, context)).peer,
    }),
    members: t.field({
      type: [ConversationMember],
      description: 'Oldest member first. Counts as a full group (MAX_GROUP_MEMBERS) in the query cost.',
      extensions: { maxItems: 'groupMembers' satisfies MaxItems },
      resolve: async (parent, _args, context) => {
        // Members only: someone who left (whose mutation or last event still names the group) sees nobody.
        await loadConversation(parent, context);
        return perRequest(context, 'members', async (ids: readonly number[]) => {
          const members = await context.services.chatList.members(parent.viewer, ids);
          return ids.map((id) => members.get(id) ?? []);
        }).load(parent.id);
      },
    }),
    lastMessage: t.field({
      type: Message,
      nullable: true,
      resolve: async (parent, _args, context) => (await loadConversation(parent, context)).lastMessage,
    }),
    unreadCount: t.int({
      description: `Text messages from others after the viewer's read position, not deleted (counted up to 9,999).`,
      resolve: async (parent, _args, context) => (await loadConversation(parent, context)).unreadCount,
    }),
    mentionCount: t.int({
      description: 'Unread messages, not deleted, that mention the viewer by name or everyone.',
      resolve: async (parent, _args, context) => (await loadConversation(parent, context)).mentionCount,
    }),
    lastReadMessageId: t.id({
      nullable: true,
      description: "The viewer's own read position.",
      resolve: async (parent, _args, context) => (await loadConversation(parent, context)).lastReadMessageId,
    }),
    updatedAt: t.field({
      type: 'DateTime',
      description: 'The time of the last message (the creation time before any).',
      resolve: async (parent, _args, context) => (await loadConversation(parent, context)).updatedAt,
    }),
    message: t.field({
      type: Message,
      nullable: true,
      description:
        'One of its messages by id, as it is now; null when it is not one of them. For what a page leaves out to stay cheap: who reacted, earlier texts.',
      args: { id: t.arg.id({ required: true }) },
      resolve: async (parent, args, context) => {
        const conversation =
          parent.access ?? (await context.services.access.member(parent.viewer, String(parent.id)));
        return context.services.history.byId(conversation, String(args.id));
      },
    }),
    messages: t.connection(
      {
        type: Message,
        description: 'Oldest first; `last: 50` is the newest 50.',
        resolve: async (parent, args, context) => {
          const conversation =
            parent.access ?? (await context.services.access.member(parent.viewer, String(parent.id)));
          return messageConnection(await context.services.history.page(conversation, args));
        },
      },
      MessageConnection,
    ),
  }),
});

interface PageInfoShape {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

const ConversationEdge = builder.objectRef<{ cursor: string; node: ConversationParent }>('ConversationEdge').implement({
  fields: (t) => ({
    cursor: t.exposeString('cursor'),
    node: t.field({ type: Conversation, resolve: (edge) => edge.node }),
  }),
});

const ConversationConnection = builder
  .objectRef<{ edges: Array<{ cursor: string; node: ConversationParent }>; pageInfo: PageInfoShape }>(
    'ConversationConnection',
  )
  .implement({
    fields: (t) => ({
      edges: t.field({ type: [ConversationEdge], resolve: (connection) => connection.edges }),
      pageInfo: t.field({ type: builder.pageInfoRef(), resolve: (connection) => connection.pageInfo }),
    }),
  });

builder.queryFields((t) => ({
  conversations: t.withAuth({ signedIn: true }).field({
    type: ConversationConnection,
    description: "The viewer's conversations, most recent activity first.",
    args: { first: t.arg.int(), after: t.arg.string() },
    resolve: async (_root, args, context) => {
      const { chatList } = context.services;
      const page = await chatList.list(context.viewer, args);
      const edges = page.conversations.map((view) => ({
        cursor: chatList.cursorOf(view),
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
  conversationById: t.withAuth({ signedIn: true }).field({
    type: Conversation,
    nullable: true,
    description: 'Null unless the viewer is a member.',
    args: { id: t.arg.id({ required: true }) },
    // The membership check alone: the summary (last message, unread count) is loaded only when
    // asked for, so a history page, which asks for `id` and `messages`, does not pay for it.
    resolve: async (_root, args, context) => {
      const access = await context.services.access.tryMember(context.viewer, String(args.id));
      return access && { id: access.id, viewer: access.viewer, access };
    },
  }),
}));

builder.mutationFields((t) => ({
  markRead: t.withAuth({ signedIn: true }).field({
    type: Conversation,
    description: 'Moves the read position forward to `messageId`; a mark behind it changes nothing.',
    args: { conversationId: t.arg.id({ required: true }), messageId: t.arg.id({ required: true }) },
    resolve: async (_root, args, context) => {
      const conversation = await context.services.access.member(context.viewer, String(args.conversationId));
      await context.services.readPositions.markRead(conversation, String(args.messageId));
      return conversationNamed(context, conversation.id);
    },
  }),
}));

builder.objectField(Message, 'conversation', (t) =>
  t.field({
    type: Conversation,
    resolve: (message, _args, context) => conversationNamed(context, message.conversationId),
  }),
);
