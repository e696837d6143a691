import { requireViewer } from '../../context.ts';
import type { TypingWireEvent } from '../../events.ts';
import { builder } from '../builder.ts';
import { Conversation } from './conversation.ts';
import { User } from './user.ts';

export const TypingEvent = builder
  .objectRef<{ type: 'event'; event: TypingWireEvent }>('TypingEvent')
  .implement({
    description: 'Someone started or stopped typing; it stops by itself 6 s after the last start.',
    fields: (t) => ({
      conversation: t.field({
        type: Conversation,
        resolve: ({ event }, _args, context) => ({
          id: event.conversationId,
          viewer: requireViewer(context),
        }),
      }),
      user: t.field({ type: User, resolve: ({ event }) => event.user }),
      typing: t.boolean({ resolve: ({ event }) => event.typing }),
    }),
  });

builder.mutationFields((t) => ({
  setTyping: t.boolean({
    description:
      'Tells the other members you are (or stopped) typing. Call it as often as you like: at most one event a second goes out; past a generous cap, RATE_LIMITED.',
    args: { conversationId: t.arg.id({ required: true }), typing: t.arg.boolean({ required: true }) },
    resolve: async (_root, args, context) => {
      await context.services.typing.set(requireViewer(context), String(args.conversationId), args.typing);
      return true;
    },
  }),
}));
