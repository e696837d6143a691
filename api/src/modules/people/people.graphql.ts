import { badInput } from '../../domain/errors.ts';
import { refuseNul, usernameKey } from '../../domain/validation.ts';
import { builder } from '../../graphql/builder.ts';
import type { MaxItems } from '../../graphql/query-cost.ts';

const MAX_USERS_PAGE = 100;

export const User = builder.prismaObject('User', {
  description: 'A person who can chat.',
  select: { id: true, username: true },
  // Plain resolvers over the type's own selection: users come from message events and sessions
  // as well as from Prisma, and an exposed field would make the plugin re-load each of those rows.
  fields: (t) => ({
    id: t.id({ resolve: (user) => user.id }),
    username: t.string({ resolve: (user) => user.username }),
  }),
});

builder.queryFields((t) => ({
  me: t.field({
    type: User,
    nullable: true,
    description: 'The signed-in user; null without a session.',
    skipTypeScopes: true,
    resolve: (_root, _args, context) => context.viewer,
  }),
  usersById: t.withAuth({ signedIn: true }).field({
    type: [User],
    nullable: { list: false, items: true },
    description: `People by id (at most ${MAX_USERS_PAGE}), in the order asked; null for an id of no one. For a client that meets people in messages and wants their \`displayName\` and \`avatarUrl\`.`,
    extensions: { maxItems: MAX_USERS_PAGE satisfies MaxItems },
    args: { ids: t.arg.idList({ required: true }) },
    resolve: async (_root, args, context) => {
      if (args.ids.length > MAX_USERS_PAGE) throw badInput('ids', `Ask for at most ${MAX_USERS_PAGE} people at once.`);
      const ids = args.ids.map((id) => (/^[1-9]\d{0,9}$/.test(String(id)) ? Number(id) : 0));
      const found = await context.services.users.byIds(ids.filter((id) => id > 0 && id <= 2 ** 31 - 1));
      return ids.map((id) => found.get(id) ?? null);
    },
  }),
  users: t.withAuth({ signedIn: true }).prismaConnection(
    {
      type: 'User',
      cursor: 'usernameKey',
      maxSize: MAX_USERS_PAGE,
      defaultSize: 50,
      description:
        'Everyone but the viewer, ordered by username; `search` matches part of a username, ignoring case.',
      args: { search: t.arg.string({ required: false }) },
      resolve: (query, _root, args, context) => {
        const search = args.search && refuseNul(args.search, 'search').trim().slice(0, 150);
        return context.services.db.user.findMany({
          ...query,
          where: {
            id: { not: context.viewer.id },
            deletedAt: null,
            ...(search && { usernameKey: { contains: usernameKey(search) } }),
          },
          orderBy: { usernameKey: 'asc' },
        });
      },
    },
    { name: 'UserConnection' },
    { name: 'UserEdge' },
  ),
}));
