import { requireViewer } from '../../context.ts';
import type { MergedLogStream, StreamItem } from '../../delivery/merged-log-stream.ts';
import type { MessageEntry, PassThroughEvent } from '../../services/chat-events.ts';
import type { ConversationWireEvent, MembershipWireEvent, ReadWireEvent } from '../../events.ts';
import { builder } from '../builder.ts';
import { Conversation } from './conversation.ts';
import { Message } from './message.ts';
import { PresenceEvent } from './presence.ts';
import { TypingEvent } from './typing.ts';
import { User } from './user.ts';

type ChatEventItem = StreamItem<MessageEntry, PassThroughEvent>;
type MessageItem = Extract<ChatEventItem, { type: 'entry' }>;
type Of<T> = { type: 'event'; event: T };

const MessageEvent = builder.objectRef<MessageItem>('MessageEvent').implement({
  fields: (t) => ({
    cursor: t.string({
      description: 'Pass it to `events(after:)` to resume after this message, missing nothing.',
      resolve: (item) => item.cursor,
    }),
    message: t.field({ type: Message, resolve: (item) => item.entry.message }),
  }),
});

const ReadEvent = builder.objectRef<Of<ReadWireEvent>>('ReadEvent').implement({
  description: "A member's read position moved forward.",
  fields: (t) => ({
    conversation: t.field({
      type: Conversation,
      resolve: ({ event }, _args, context) => ({ id: event.conversationId, viewer: requireViewer(context) }),
    }),
    user: t.field({ type: User, resolve: ({ event }) => event.user }),
    lastReadMessageId: t.id({ resolve: ({ event }) => event.lastReadMessageId }),
  }),
});

const MembershipChange = builder.enumType('MembershipChange', {
  values: ['ADDED', 'REMOVED', 'LEFT'] as const,
});

const MembershipEvent = builder.objectRef<Of<MembershipWireEvent>>('MembershipEvent').implement({
  description:
    'Someone joined or left a group. For the person removed it is the last event of the group, and its `conversation` gives them only its `id`: the rest is for members.',
  fields: (t) => ({
    conversation: t.field({
      type: Conversation,
      resolve: ({ event }, _args, context) => ({ id: event.conversationId, viewer: requireViewer(context) }),
    }),
    user: t.field({ type: User, resolve: ({ event }) => event.user }),
    change: t.field({ type: MembershipChange, resolve: ({ event }) => event.change }),
    by: t.field({ type: User, nullable: true, resolve: ({ event }) => event.by }),
  }),
});

const ConversationEvent = builder.objectRef<Of<ConversationWireEvent>>('ConversationEvent').implement({
  description: 'A conversation was created or renamed.',
  fields: (t) => ({
    conversation: t.field({
      type: Conversation,
      resolve: ({ event }, _args, context) => ({ id: event.conversationId, viewer: requireViewer(context) }),
    }),
  }),
});

const ChatEvent = builder.unionType('ChatEvent', {
  types: [MessageEvent, ReadEvent, MembershipEvent, ConversationEvent, TypingEvent, PresenceEvent],
  resolveType: (item: ChatEventItem) => {
    if (item.type === 'entry') return MessageEvent;
    switch (item.event.type) {
      case 'read':
        return ReadEvent;
      case 'membership':
        return MembershipEvent;
      case 'conversation':
        return ConversationEvent;
      case 'typing':
        return TypingEvent;
      case 'presence':
        return PresenceEvent;
    }
  },
});

builder.subscriptionFields((t) => ({
  events: t.field({
    type: ChatEvent,
    description:
      'Everything that happens to the viewer: every message of every conversation, once each and in commit order within its conversation, and read, membership and conversation events (live only). With `after` (the cursor of the last MessageEvent received, or a `Message.cursor`) the messages missed since come first.',
    args: { after: t.arg.string() },
    subscribe: (_root, args, context) =>
      context.services.events.open(requireViewer(context), args.after ?? null, context.signal) as Promise<
        MergedLogStream<MessageEntry, PassThroughEvent>
      >,
    resolve: (item) => item as never,
  }),
}));
