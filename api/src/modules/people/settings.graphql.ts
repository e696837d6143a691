import { badInput } from '../../domain/errors.ts';
import { validateQuietHours, type QuietHours as QuietHoursShape } from '../../domain/notifications.ts';
import { builder } from '../../graphql/builder.ts';
import { User } from './people.graphql.ts';

const GroupInvitePolicy = builder.enumType('GroupInvitePolicy', {
  description: 'Who may add someone to a group.',
  values: {
    EVERYONE: { description: 'Anyone they have not blocked.' },
    PEOPLE_I_TALK_TO: { description: 'People they share a conversation with, in which they have written.' },
  } as const,
});

const QuietHours = builder.objectRef<QuietHoursShape>('QuietHours').implement({
  description: 'When pushes stay away, in a time zone of the person’s choosing; across midnight when start is after end.',
  fields: (t) => ({
    start: t.exposeString('start', { description: '"HH:MM", local time: quiet from here (included).' }),
    end: t.exposeString('end', { description: '"HH:MM", local time: quiet until here (excluded).' }),
    timeZone: t.exposeString('timeZone', { description: 'An IANA time zone, such as Europe/Berlin.' }),
    allowDirect: t.exposeBoolean('allowDirect', { description: 'Direct messages push even then.' }),
    allowMentions: t.exposeBoolean('allowMentions', { description: 'Messages mentioning the person push even then.' }),
  }),
});

const QuietHoursInput = builder.inputType('QuietHoursInput', {
  fields: (t) => ({
    start: t.string({ required: true }),
    end: t.string({ required: true }),
    timeZone: t.string({ required: true }),
    allowDirect: t.boolean({ required: true }),
    allowMentions: t.boolean({ required: true }),
  }),
});

/** The viewer's own choices: columns of their user row, so a variant of the User model. */
export const Settings = builder.prismaObject('User', {
  variant: 'Settings',
  description: "The viewer's own choices.",
  fields: (t) => ({
    shareReadReceipts: t.exposeBoolean('shareReadReceipts', {
      description: 'Reciprocal: off, others see no read position of yours and you see none of theirs.',
    }),
    sharePresence: t.exposeBoolean('sharePresence', {
      description: 'Reciprocal: off, others see no presence of yours and you see none of theirs.',
    }),
    groupInvites: t.expose('groupInvites', { type: GroupInvitePolicy }),
    pushPreviews: t.exposeBoolean('pushPreviews', {
      description: 'Off, a push says "New message" instead of showing the words.',
    }),
    quietHours: t.field({
      type: QuietHours,
      nullable: true,
      select: {
        quietStart: true,
        quietEnd: true,
        quietTimeZone: true,
        quietAllowDirect: true,
        quietAllowMentions: true,
      },
      resolve: (user) =>
        user.quietStart && user.quietEnd && user.quietTimeZone
          ? {
              start: user.quietStart,
              end: user.quietEnd,
              timeZone: user.quietTimeZone,
              allowDirect: user.quietAllowDirect,
              allowMentions: user.quietAllowMentions,
            }
          : null,
    }),
  }),
});

builder.objectField(User, 'settings', (t) =>
  t.prismaField({
    type: Settings,
    nullable: true,
    description: 'Only on the viewer; null for anyone else.',
    resolve: (query, user, _args, context) =>
      context.viewer?.id === user.id
        ? context.services.db.user.findUniqueOrThrow({ ...query, where: { id: user.id } })
        : null,
  }),
);

builder.mutationFields((t) => ({
  updateSettings: t.withAuth({ signedIn: true }).prismaField({
    type: Settings,
    description: 'Changes the settings given; the others keep their values.',
    args: {
      shareReadReceipts: t.arg.boolean(),
      sharePresence: t.arg.boolean(),
      groupInvites: t.arg({ type: GroupInvitePolicy }),
      pushPreviews: t.arg.boolean(),
      quietHours: t.arg({ type: QuietHoursInput }),
      clearQuietHours: t.arg.boolean({ description: 'True turns quiet hours off.' }),
    },
    resolve: async (query, _root, args, context) => {
      const { viewer, services } = context;
      if (args.quietHours && args.clearQuietHours)
        throw badInput('clearQuietHours', 'Pass quietHours or clearQuietHours, not both.');
      const quiet = args.quietHours ? validateQuietHours(args.quietHours) : null;
      if (args.sharePresence != null) {
        // Only a real change is told to the people who see it.
        const { count } = await services.db.user.updateMany({
          where: { id: viewer.id, sharePresence: { not: args.sharePresence } },
          data: { sharePresence: args.sharePresence },
        });
        if (count > 0) await services.presence.sharingChanged(viewer);
      }
      return services.db.user.update({
        ...query,
        where: { id: viewer.id },
        data: {
          ...(args.shareReadReceipts != null && { shareReadReceipts: args.shareReadReceipts }),
          ...(args.groupInvites != null && { groupInvites: args.groupInvites }),
          ...(args.pushPreviews != null && { pushPreviews: args.pushPreviews }),
          ...(quiet && {
            quietStart: quiet.start,
            quietEnd: quiet.end,
            quietTimeZone: quiet.timeZone,
            quietAllowDirect: quiet.allowDirect,
            quietAllowMentions: quiet.allowMentions,
          }),
          ...(args.clearQuietHours && { quietStart: null, quietEnd: null, quietTimeZone: null }),
        },
      });
    },
  }),
}));
