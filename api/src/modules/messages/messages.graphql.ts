import { encodeSeqCursor } from '../../domain/cursors.ts';
import { badInput } from '../../domain/errors.ts';
import type { MessageView } from '../../domain/messages.ts';
import { builder } from '../../graphql/builder.ts';
import { requireViewer } from '../../graphql/context.ts';
import { eachEvent, perRequest } from '../../graphql/loaders.ts';
import { User } from '../people/people.graphql.ts';
import type { MessagePage } from './history.ts';

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
  }),
});

export const MessageConnection = builder.connectionObject(
  { type: Message, name: 'MessageConnection' },
  { name: 'MessageEdge' },
);

/** A page of messages as a Relay connection, its cursors positions in the conversation. */
export function messageConnection(page: MessagePage) {
  const edges = page.messages.map((message) => ({ cursor: encodeSeqCursor(message.seq), node: message }));
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
        const { access, history } = context.services;
        const direct = await access.findDirect(requireViewer(context), args.peer, 'peer');
        return messageConnection(await history.page(direct, args));
      },
    },
    MessageConnection,
  ),
}));

builder.mutationFields((t) => ({
  sendMessage: t.withAuth({ signedIn: true }).field({
    type: Message,
    description:
      'Stores a message and delivers it: to a person (`to`, a username) or into a conversation (`conversationId`), exactly one. A repeated `clientId` returns the first message instead of storing a second.',
    args: {
      to: t.arg.string(),
      conversationId: t.arg.id(),
      body: t.arg.string({ required: true }),
      clientId: t.arg.string({ required: false }),
      replyTo: t.arg.id({ required: false, description: 'A message of the same conversation this one answers.' }),
      attachments: t.arg.idList({
        required: false,
        description: 'Finished uploads (`createUpload`) of yours into this conversation, at most 10; then `body` may be "".',
      }),
    },
    resolve: (_root, args, context) =>
      context.services.messages.send(
        context.viewer,
        { to: args.to, conversationId: args.conversationId == null ? null : String(args.conversationId) },
        args.body,
        args.clientId,
        args.replyTo == null ? null : String(args.replyTo),
        args.attachments?.map(String) ?? [],
      ),
  }),
}));

builder.objectField(Message, 'readByCount', (t) =>
  t.int({
    nullable: true,
    description:
      'How many people besides its sender have read it, members or since departed, among those who share read receipts (and neither blocked you nor were blocked by you); null when you keep yours private.',
    resolve: (message, _args, context) => {
      const viewer = requireViewer(context);
      return perRequest(context, 'read-counts', (ids: readonly string[]) =>
        context.services.readPositions.readCounts(viewer, ids),
      ).load(message.id);
    },
  }),
);

builder.subscriptionFields((t) => ({
  messageAdded: t.withAuth({ signedIn: true }).field({
    type: Message,
    description:
      'Every message of one conversation (`peer` or `conversationId`, exactly one), once each, in commit order. With `after` (a message id) the stored messages after it come first.',
    deprecationReason: 'Use `events`: one stream for every conversation.',
    args: { peer: t.arg.string(), conversationId: t.arg.id(), after: t.arg.id({ required: false }) },
    subscribe: async (_root, args, context) => {
      const { access, history, streams } = context.services;
      const { viewer } = context;
      if ((args.peer == null) === (args.conversationId == null))
        throw badInput('peer', 'Pass exactly one of peer or conversationId.');
      const conversation =
        args.peer != null
          ? await access.openDirect(viewer, args.peer, 'peer')
          : await access.member(viewer, String(args.conversationId));
      const afterSeq = args.after == null ? null : await history.seqOf(conversation, String(args.after), 'after');
      return streams.conversation(conversation, afterSeq, context.signal);
    },
    resolve: eachEvent,
  }),
  inbox: t.withAuth({ signedIn: true }).field({
    type: Message,
    description:
      'Every new message to or from the viewer, in any conversation (live only): for unread marks.',
    deprecationReason: 'Use `events`, which resumes.',
    subscribe: (_root, _args, context) => context.services.streams.inbox(context.viewer, context.signal),
    resolve: eachEvent,
  }),
}));
