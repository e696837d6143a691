import type { ConversationWireEvent, MembershipWireEvent, ReadWireEvent } from '../../domain/wire-events.ts';
import { builder } from '../../graphql/builder.ts';
import { eachEvent } from '../../graphql/loaders.ts';
import type { StreamItem } from '../../realtime/merged-log-stream.ts';
import { Conversation, conversationNamed } from '../conversations/conversations.graphql.ts';
import { Message } from '../messages/messages.graphql.ts';
import { User } from '../people/people.graphql.ts';
import { RelationshipEvent } from '../blocks/blocks.graphql.ts';
import { ProfileEvent } from '../people/profile.graphql.ts';
import { PresenceEvent } from '../presence/presence.graphql.ts';
import { TypingEvent } from '../typing/typing.graphql.ts';
import type { MessageEntry, PassThroughEvent } from './chat-events.ts';

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

const MessageUpdatedEvent = builder.objectRef<MessageItem>('MessageUpdatedEvent').implement({
  description:
    'A message changed — edited, deleted, or its reactions — with the whole message as it now is. A resumed stream brings the latest state of every message changed meanwhile, as this event (for a message the client never had too).',
  fields: (t) => ({
    cursor: t.string({
      description: 'Pass it to `events(after:)` to resume after this change, missing nothing.',
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
      resolve: ({ event }, _args, context) => conversationNamed(context, event.conversationId),
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
      resolve: ({ event }, _args, context) => conversationNamed(context, event.conversationId),
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
      resolve: ({ event }, _args, context) => conversationNamed(context, event.conversationId),
    }),
  }),
});

const ChatEvent = builder.unionType('ChatEvent', {
  types: [
    MessageEvent,
    MessageUpdatedEvent,
    ReadEvent,
    MembershipEvent,
    ConversationEvent,
    TypingEvent,
    PresenceEvent,
    RelationshipEvent,
    ProfileEvent,
  ],
  resolveType: (item: ChatEventItem) => {
    // A message in its first state is new; in a later one, changed.
    if (item.type === 'entry') return item.entry.message.version === 1 ? MessageEvent : MessageUpdatedEvent;
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
      case 'relationship':
        return RelationshipEvent;
      case 'profile':
        return ProfileEvent;
    }
  },
});

builder.subscriptionFields((t) => ({
  events: t.withAuth({ signedIn: true }).field({
    type: ChatEvent,
    description:
      'Everything that happens to the viewer: every message of every conversation, once each and in commit order within its conversation, and read, membership and conversation events (live only). With `after` (the cursor of the last MessageEvent received, or a `Message.cursor`) the messages missed since come first.',
    args: { after: t.arg.string() },
    subscribe: (_root, args, context) => context.services.events.open(context.viewer, args.after ?? null, context.signal),
    resolve: (item, args, context) => eachEvent(item, args, context) as never,
  }),
}));

builder.objectField(Message, 'cursor', (t) =>
  t.string({
    description:
      'Where `events(after:)` resumes: after this message in its conversation. It holds no position in the others, so their messages written in the few seconds before it come too: nothing is missed, and a client drops the ones it has.',
    resolve: (message, _args, context) => context.services.events.cursorOf(message),
  }),
);
