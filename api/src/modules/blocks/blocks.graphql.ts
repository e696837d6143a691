import type { RelationshipWireEvent } from '../../domain/wire-events.ts';
import { builder } from '../../graphql/builder.ts';
import { requireViewer, type Context } from '../../graphql/context.ts';
import { perRequest } from '../../graphql/loaders.ts';
import type { MaxItems } from '../../graphql/query-cost.ts';
import { User } from '../people/people.graphql.ts';
import { MAX_BLOCKS } from './blocks.ts';

/** The blocks between the viewer and each of `ids`, one way: who blocked whom. */
function blockBetween(context: Context, id: number, direction: 'byViewer' | 'ofViewer') {
  const viewer = requireViewer(context);
  return perRequest(context, `blocks-${direction}`, async (ids: readonly number[]) => {
    const found = await context.services.db.block.findMany({
      where:
        direction === 'byViewer'
          ? { blockerId: viewer.id, blockedId: { in: [...ids] } }
          : { blockedId: viewer.id, blockerId: { in: [...ids] } },
      select: { blockerId: true, blockedId: true },
    });
    const others = new Set(found.map((block) => (direction === 'byViewer' ? block.blockedId : block.blockerId)));
    return ids.map((other) => others.has(other));
  }).load(id);
}

builder.objectFields(User, (t) => ({
  blockedByMe: t.boolean({
    description: 'You blocked them: neither of you can message the other directly.',
    resolve: (user, _args, context) => blockBetween(context, user.id, 'byViewer'),
  }),
  blocksMe: t.boolean({
    description: 'They blocked you: you cannot message them directly, nor add them to a group.',
    resolve: (user, _args, context) => blockBetween(context, user.id, 'ofViewer'),
  }),
}));

export const RelationshipEvent = builder
  .objectRef<{ type: 'event'; event: RelationshipWireEvent }>('RelationshipEvent')
  .implement({
    description:
      'Something between you and this person changed — a block either way, or whether either of you shares presence: read `user { presence blockedByMe blocksMe }` again.',
    fields: (t) => ({
      user: t.field({ type: User, resolve: ({ event }) => event.user }),
    }),
  });

builder.queryFields((t) => ({
  blockedUsers: t.withAuth({ signedIn: true }).prismaField({
    type: ['User'],
    description: `The people the viewer blocked, oldest block first (at most ${MAX_BLOCKS}).`,
    extensions: { maxItems: MAX_BLOCKS satisfies MaxItems },
    resolve: async (query, _root, _args, context) => {
      const blocks = await context.services.db.block.findMany({
        where: { blockerId: context.viewer.id },
        select: { blocked: query },
        orderBy: { createdAt: 'asc' },
      });
      return blocks.map((block) => block.blocked);
    },
  }),
}));

builder.mutationFields((t) => ({
  block: t.withAuth({ signedIn: true }).boolean({
    description:
      'Blocks both ways: neither of you can message the other directly, or see the other’s presence, typing or read position; they cannot add you to a group.',
    args: { username: t.arg.string({ required: true }) },
    resolve: async (_root, args, context) => {
      await context.services.blocks.block(context.viewer, args.username);
      return true;
    },
  }),
  unblock: t.withAuth({ signedIn: true }).boolean({
    args: { username: t.arg.string({ required: true }) },
    resolve: async (_root, args, context) => {
      await context.services.blocks.unblock(context.viewer, args.username);
      return true;
    },
  }),
}));
