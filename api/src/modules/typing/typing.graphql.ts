import type { TypingWireEvent } from '../../domain/wire-events.ts';
import { builder } from '../../graphql/builder.ts';
import { Conversation, conversationNamed } from '../conversations/conversations.graphql.ts';
import { User } from '../people/people.graphql.ts';

export const TypingEvent = builder
  .objectRef<{ type: 'event'; event: TypingWireEvent }>('TypingEvent')
  .implement({
    description: 'Someone started or stopped typing; it stops by itself 6 s after the last start.',
    fields: (t) => ({
      conversation: t.field({
        type: Conversation,
        resolve: ({ event }, _args, context) => conversationNamed(context, event.conversationId),
      }),
      user: t.field({ type: User, resolve: ({ event }) => event.user }),
      typing: t.boolean({ resolve: ({ event }) => event.typing }),
    }),
  });

builder.mutationFields((t) => ({
  setTyping: t.withAuth({ signedIn: true }).boolean({
    description:
      'Tells the other members you are (or stopped) typing. Call it as often as you like: at most one event a second goes out; past a generous cap, RATE_LIMITED.',
    args: { conversationId: t.arg.id({ required: true }), typing: t.arg.boolean({ required: true }) },
    resolve: async (_root, args, context) => {
      const { access, rateLimits, typing } = context.services;
      await rateLimits.consumeTyping(context.viewer.id);
      typing.set(await access.member(context.viewer, String(args.conversationId)), args.typing);
      return true;
    },
  }),
}));
