import type { PresenceWireEvent } from '../../domain/wire-events.ts';
import { builder } from '../../graphql/builder.ts';
import { requireViewer } from '../../graphql/context.ts';
import { perRequest } from '../../graphql/loaders.ts';
import { User } from '../people/people.graphql.ts';
import type { Presence as PresenceView } from './presence.ts';

export const Presence = builder.objectRef<PresenceView>('Presence').implement({
  fields: (t) => ({
    online: t.exposeBoolean('online'),
    lastSeenAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When they were last online, to the minute; null while online.',
      resolve: (presence) => presence.lastSeenAt,
    }),
  }),
});

builder.objectField(User, 'presence', (t) =>
  t.field({
    type: Presence,
    nullable: true,
    description:
      'Null unless you share a conversation; null too when either of you hides presence, or either blocked the other.',
    resolve: (user, _args, context) => {
      const viewer = requireViewer(context);
      return perRequest(context, 'presence', async (ids: readonly number[]) => {
        const visible = await context.services.presence.visibleTo(viewer, ids);
        return ids.map((id) => visible.get(id) ?? null);
      }).load(user.id);
    },
  }),
);

export const PresenceEvent = builder
  .objectRef<{ type: 'event'; event: PresenceWireEvent }>('PresenceEvent')
  .implement({
    description: 'Someone you share a conversation with came online or went offline.',
    fields: (t) => ({
      user: t.field({ type: User, resolve: ({ event }) => event.user }),
      presence: t.field({
        type: Presence,
        resolve: ({ event }) => ({
          online: event.online,
          lastSeenAt: event.lastSeenAt === null ? null : new Date(event.lastSeenAt),
        }),
      }),
    }),
  });
