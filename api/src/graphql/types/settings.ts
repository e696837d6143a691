import { requireViewer } from '../../context.ts';
import type { Settings as SettingsView } from '../../services/users.ts';
import { builder } from '../builder.ts';
import { User } from './user.ts';

const Settings = builder.objectRef<SettingsView>('Settings').implement({
  description: "The viewer's own choices.",
  fields: (t) => ({
    shareReadReceipts: t.exposeBoolean('shareReadReceipts', {
      description: 'Reciprocal: off, others see no read position of yours and you see none of theirs.',
    }),
    sharePresence: t.exposeBoolean('sharePresence', {
      description: 'Reciprocal: off, others see no presence of yours and you see none of theirs.',
    }),
  }),
});

builder.objectField(User, 'settings', (t) =>
  t.field({
    type: Settings,
    nullable: true,
    description: 'Only on the viewer; null for anyone else.',
    resolve: (user, _args, context) =>
      context.viewer?.id === user.id ? context.services.users.settings(context.viewer) : null,
  }),
);

builder.mutationFields((t) => ({
  updateSettings: t.field({
    type: Settings,
    description: 'Changes the settings given; the others keep their values.',
    args: { shareReadReceipts: t.arg.boolean(), sharePresence: t.arg.boolean() },
    resolve: (_root, args, context) =>
      context.services.users.updateSettings(requireViewer(context), {
        shareReadReceipts: args.shareReadReceipts ?? undefined,
        sharePresence: args.sharePresence ?? undefined,
      }),
  }),
}));
