import { requireViewer } from '../../context.ts';
import { ChatEvents } from '../../services/chat-events.ts';
import { badInput } from '../../services/errors.ts';
import { messageCursor, type MessagePage, type MessageView } from '../../services/messages.ts';
import { builder } from '../builder.ts';
import { User } from './user.ts';

export const MessageKind = builder.enumType('MessageKind', {
  values: {
    TEXT: { description: 'Written by a person.' },
    SYSTEM: { description: 'Written by the server in the timeline: "alice added bob", renames.' },
  } as const,
});

export const Message = builder.objectRef<MessageView>('Message').implement({
  description: 'A message in a conversation.',
  fields: (t) => ({
    id: t.exposeID('id'),
    kind: t.field({ type: MessageKind, resolve: (message) => message.kind }),
    body: t.exposeString('body'),
    sender: t.field({ type: User, resolve: (message) => message.sender }),
    receiver: t.field({
      type: User,
      nullable: true,
      deprecationReason: 'Null in groups: use `conversation.members`.',
      resolve: (message) => message.receiver,
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    clientId: t.exposeString('clientId', {
      nullable: true,
      description: "The sender's own id for the message, which makes retries safe.",
    }),
    cursor: t.string({
      description:
        'Where `events(after:)` resumes: after this message in its conversation. It holds no position in the others, so their messages of the minute before it come too: nothing is missed, and a client drops the ones it has.',
      resolve: (message) => ChatEvents.cursorOf(message),
    }),
  }),
});

export const MessageConnection = builder.connectionObject(
  { type: Message, name: 'MessageConnection' },
  { name: 'MessageEdge' },
);

/** A page of messages as a Relay connection, its cursors positions in the conversation. */
export function messageConnection(page: MessagePage) {
  const edges = page.messages.map((message) => ({ cursor: messageCursor(message), node: message }));
  return {
    edges,
    pageInfo: {
      hasPreviousPage: page.hasPreviousPage,
      hasNextPage: page.hasNextPage,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

builder.queryFields((t) => ({
  conversation: t.connection(
    {
      type: Message,
      description: 'The messages between the viewer and `peer`, oldest first; `last: 50` is the newest 50.',
      deprecationReason: 'Use `conversationById(id) { messages }` or `conversations`.',
      args: { peer: t.arg.string({ required: true }) },
      resolve: async (_root, args, context) => {
        const { conversations, messages } = context.services;
        const direct = await conversations.findDirect(requireViewer(context), args.peer, 'peer');
        return messageConnection(await messages.page(direct, args));
      },
    },
    MessageConnection,
  ),
}));

builder.mutationFields((t) => ({
  sendMessage: t.field({
    type: Message,
    description:
      'Stores a message and delivers it: to a person (`to`, a username) or into a conversation (`conversationId`), exactly one. A repeated `clientId` returns the first message instead of storing a second.',
    args: {
      to: t.arg.string(),
      conversationId: t.arg.id(),
      body: t.arg.string({ required: true }),
      clientId: t.arg.string({ required: false }),
    },
    resolve: (_root, args, context) =>
      context.services.messages.send(
        requireViewer(context),
        { to: args.to, conversationId: args.conversationId == null ? null : String(args.conversationId) },
        args.body,
        args.clientId,
      ),
  }),
}));

builder.subscriptionFields((t) => ({
  messageAdded: t.field({
    type: Message,
    description:
      'Every message of one conversation (`peer` or `conversationId`, exactly one), once each, in commit order. With `after` (a message id) the stored messages after it come first.',
    deprecationReason: 'Use `events`: one stream for every conversation.',
    args: { peer: t.arg.string(), conversationId: t.arg.id(), after: t.arg.id({ required: false }) },
    subscribe: async (_root, args, context) => {
      const { messages, streams, conversations } = context.services;
      const viewer = requireViewer(context);
      if ((args.peer == null) === (args.conversationId == null))
        throw badInput('peer', 'Pass exactly one of peer or conversationId.');
      const conversation =
        args.peer != null
          ? await conversations.openDirect(viewer, args.peer, 'peer')
          : await conversations.access(viewer, String(args.conversationId));
      const afterSeq =
        args.after == null ? null : await messages.seqOf(conversation, String(args.after), 'after');
      return streams.conversation(conversation, afterSeq, context.signal);
    },
    resolve: (message) => message,
  }),
  inbox: t.field({
    type: Message,
    description:
      'Every new message to or from the viewer, in any conversation (live only): for unread marks.',
    deprecationReason: 'Use `events`, which resumes.',
    subscribe: (_root, _args, context) =>
      context.services.streams.inbox(requireViewer(context), context.signal),
    resolve: (message) => message,
  }),
}));
