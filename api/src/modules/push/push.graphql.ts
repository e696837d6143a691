import { effectiveLevel, isMuted } from '../../domain/notifications.ts';
import { builder } from '../../graphql/builder.ts';
import { Conversation, conversationNamed, loadConversation } from '../conversations/conversations.graphql.ts';

const NotificationLevel = builder.enumType('NotificationLevel', {
  description: 'How much of a conversation reaches a person by push.',
  values: {
    ALL: { description: 'Every message.' },
    MENTIONS: { description: 'Messages that mention them (by name or everyone); every message of a direct conversation.' },
    NONE: { description: 'Nothing.' },
  } as const,
});

builder.objectFields(Conversation, (t) => ({
  notificationLevel: t.field({
    type: NotificationLevel,
    description: "The viewer's level: theirs, or by default ALL for direct conversations and groups of up to 15, MENTIONS above.",
    resolve: async (parent, _args, context) => {
      const view = await loadConversation(parent, context);
      return effectiveLevel(view.notifications.notificationLevel, view);
    },
  }),
  mutedUntil: t.field({
    type: 'DateTime',
    nullable: true,
    description: 'When the viewer’s mute ends; null when not muted or muted until unmuted (see `muted`).',
    resolve: async (parent, _args, context) => {
      const { notifications } = await loadConversation(parent, context);
      return !notifications.mutedForever && isMuted(notifications, context.services.push.now())
        ? notifications.mutedUntil
        : null;
    },
  }),
  muted: t.boolean({
    description: 'Muted by the viewer now: no push, and not in the tab’s unread total. Still counted as unread.',
    resolve: async (parent, _args, context) =>
      isMuted((await loadConversation(parent, context)).notifications, context.services.push.now()),
  }),
}));

builder.queryFields((t) => ({
  pushPublicKey: t.string({
    description: "The server's VAPID public key, base64url: the applicationServerKey of a browser's push subscription.",
    resolve: (_root, _args, context) => context.services.push.publicKey,
  }),
}));

builder.mutationFields((t) => ({
  registerPushSubscription: t.withAuth({ signedIn: true }).boolean({
    description:
      "Registers this browser's PushSubscription for the session (logging out removes it). The endpoint must be https on a push service the server sends to. A person keeps at most 10: the oldest goes.",
    args: {
      endpoint: t.arg.string({ required: true }),
      p256dh: t.arg.string({ required: true }),
      auth: t.arg.string({ required: true }),
    },
    resolve: async (_root, args, context) => {
      await context.services.push.register(context.viewer, args.endpoint, args.p256dh, args.auth);
      return true;
    },
  }),
  unregisterPushSubscription: t.withAuth({ signedIn: true }).boolean({
    description: 'Stops pushes to this endpoint. False when the viewer had no such subscription.',
    args: { endpoint: t.arg.string({ required: true }) },
    resolve: (_root, args, context) => context.services.push.unregister(context.viewer, args.endpoint),
  }),
  reportActivity: t.withAuth({ signedIn: true }).boolean({
    description:
      'A tab became visible and focused (true), or stopped being (false). Within 60 s of a true, the viewer gets no pushes: the tab shows the messages.',
    args: { active: t.arg.boolean({ required: true }) },
    resolve: async (_root, args, context) => {
      await context.services.push.reportActivity(context.viewer, args.active);
      return true;
    },
  }),
  setNotificationLevel: t.withAuth({ signedIn: true }).field({
    type: Conversation,
    args: {
      conversationId: t.arg.id({ required: true }),
      level: t.arg({ type: NotificationLevel, required: true }),
    },
    resolve: async (_root, args, context) => {
      const conversation = await context.services.access.member(context.viewer, String(args.conversationId));
      await context.services.push.setLevel(conversation, args.level);
      return conversationNamed(context, conversation.id);
    },
  }),
  muteConversation: t.withAuth({ signedIn: true }).field({
    type: Conversation,
    description: 'No pushes from it until `until`, or until unmuted when `until` is null.',
    args: { conversationId: t.arg.id({ required: true }), until: t.arg({ type: 'DateTime' }) },
    resolve: async (_root, args, context) => {
      const conversation = await context.services.access.member(context.viewer, String(args.conversationId));
      await context.services.push.mute(conversation, args.until ?? null);
      return conversationNamed(context, conversation.id);
    },
  }),
  unmuteConversation: t.withAuth({ signedIn: true }).field({
    type: Conversation,
    args: { conversationId: t.arg.id({ required: true }) },
    resolve: async (_root, args, context) => {
      const conversation = await context.services.access.member(context.viewer, String(args.conversationId));
      await context.services.push.unmute(conversation);
      return conversationNamed(context, conversation.id);
    },
  }),
}));
