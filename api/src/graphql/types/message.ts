import { requireViewer } from '../../context.ts';
import { messageCursor, type MessageView } from '../../services/messages.ts';
import { builder } from '../builder.ts';
import { User } from './user.ts';

export const Message = builder.objectRef<MessageView>('Message').implement({
  description: 'A message between two people.',
  fields: (t) => ({
    id: t.exposeID('id'),
    body: t.exposeString('body'),
    sender: t.field({ type: User, resolve: (message) => message.sender }),
    receiver: t.field({ type: User, resolve: (message) => message.receiver }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    clientId: t.exposeString('clientId', {
      nullable: true,
      description: "The sender's own id for the message, which makes retries safe.",
    }),
  }),
});

builder.queryFields((t) => ({
  conversation: t.connection(
    {
      type: Message,
      description: 'The messages between the viewer and `peer`, oldest first; `last: 50` is the newest 50.',
      args: { peer: t.arg.string({ required: true }) },
      resolve: async (_root, args, context) => {
        const viewer = requireViewer(context);
        const page = await context.services.messages.page(viewer, args.peer, args);
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
      },
    },
    { name: 'MessageConnection' },
    { name: 'MessageEdge' },
  ),
}));

builder.mutationFields((t) => ({
  sendMessage: t.field({
    type: Message,
    description:
      'Stores a message to `to` and delivers it. A repeated `clientId` returns the first message instead of storing a second.',
    args: {
      to: t.arg.string({ required: true }),
      body: t.arg.string({ required: true }),
      clientId: t.arg.string({ required: false }),
    },
    resolve: (_root, args, context) =>
      context.services.messages.send(requireViewer(context), args.to, args.body, args.clientId),
  }),
}));

builder.subscriptionFields((t) => ({
  messageAdded: t.field({
    type: Message,
    description:
      'Every message between the viewer and `peer`, both ways, once each, in commit order. With `after` (a message id) the stored messages after it come first.',
    args: { peer: t.arg.string({ required: true }), after: t.arg.id({ required: false }) },
    subscribe: async (_root, args, context) => {
      const { messages, streams } = context.services;
      const conversation = await messages.openDirect(requireViewer(context), args.peer, 'peer');
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
    subscribe: (_root, _args, context) =>
      context.services.streams.inbox(requireViewer(context), context.signal),
    resolve: (message) => message,
  }),
}));
