import { requireViewer } from '../../context.ts';
import { builder } from '../builder.ts';
import { User } from './user.ts';

builder.queryFields((t) => ({
  blockedUsers: t.field({
    type: [User],
    description: 'The people the viewer blocked.',
    resolve: (_root, _args, context) => context.services.blocks.blockedBy(requireViewer(context)),
  }),
}));

builder.mutationFields((t) => ({
  block: t.boolean({
    description:
      'Blocks both ways: neither of you can message the other directly, or see the other’s presence, typing or read position; they cannot add you to a group.',
    args: { username: t.arg.string({ required: true }) },
    resolve: async (_root, args, context) => {
      await context.services.blocks.block(requireViewer(context), args.username);
      return true;
    },
  }),
  unblock: t.boolean({
    args: { username: t.arg.string({ required: true }) },
    resolve: async (_root, args, context) => {
      await context.services.blocks.unblock(requireViewer(context), args.username);
      return true;
    },
  }),
}));
