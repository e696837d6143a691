import DataLoader from 'dataloader';
import { requireViewer, type Context } from '../../context.ts';
import type { PresenceWireEvent } from '../../events.ts';
import type { Presence as PresenceView } from '../../services/presence.ts';
import { builder } from '../builder.ts';
import { User } from './user.ts';

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

/** One presence look-up per request for every user it shows (a group's member list, say). */
const loaders = new WeakMap<Context, DataLoader<number, PresenceView | null>>();
function presenceLoader(context: Context) {
  let loader = loaders.get(context);
  if (!loader) {
    const viewer = requireViewer(context);
    loader = new DataLoader(async (ids: readonly number[]) => {
      const visible = await context.services.presence.visibleTo(viewer, ids);
      return ids.map((id) => visible.get(id) ?? null);
    });
    loaders.set(context, loader);
  }
  return loader;
}

builder.objectField(User, 'presence', (t) =>
  t.field({
    type: Presence,
    nullable: true,
    description: 'Null when either of you hides presence, or either blocked the other.',
    resolve: (user, _args, context) => presenceLoader(context).load(user.id),
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
