import { builder } from '../../graphql/builder.ts';
import type { MaxItems } from '../../graphql/query-cost.ts';
import { User } from '../people/people.graphql.ts';
import { deviceName } from './devices.ts';
import type { SessionListRow } from './sessions.sql.ts';
import { LISTED_SESSIONS, type SignedIn } from './sessions.ts';

export const AuthPayload = builder.objectRef<SignedIn>('AuthPayload').implement({
  description: 'A new session: the token for the Authorization header (browsers get it as a cookie too).',
  fields: (t) => ({
    token: t.exposeString('token'),
    user: t.field({ type: User, resolve: (signedIn) => signedIn.viewer }),
  }),
});

const Session = builder.objectRef<SessionListRow>('Session').implement({
  description: 'A signed-in device of the viewer.',
  fields: (t) => ({
    id: t.exposeID('id'),
    current: t.boolean({
      description: 'The session this request is made with.',
      resolve: (session, _args, context) => session.id === context.viewer?.sessionId,
    }),
    createdAt: t.field({ type: 'DateTime', resolve: (session) => session.createdAt }),
    lastActiveAt: t.field({
      type: 'DateTime',
      description: 'To the minute or so: activity is recorded at most once a minute.',
      resolve: (session) => session.lastSeenAt,
    }),
    device: t.string({
      nullable: true,
      description: 'As people name it ("Firefox on Linux"), from the User-Agent at sign-in; null when unknown.',
      resolve: (session) => deviceName(session.userAgent),
    }),
    address: t.string({ nullable: true, description: 'The client address at sign-in.', resolve: (session) => session.address }),
  }),
});

builder.objectFields(User, (t) => ({
  email: t.string({
    nullable: true,
    description: 'Only on the viewer; null for anyone else.',
    resolve: async (user, _args, context) =>
      context.viewer?.id === user.id
        ? (await context.services.db.user.findUniqueOrThrow({ where: { id: user.id }, select: { email: true } })).email
        : null,
  }),
  sessions: t.field({
    type: [Session],
    description: "The viewer's standing sessions, most recently active first (at most 200); empty for anyone else.",
    extensions: { maxItems: LISTED_SESSIONS satisfies MaxItems },
    resolve: (user, _args, context) =>
      context.viewer?.id === user.id ? context.services.sessions.list(user.id) : [],
  }),
}));

builder.mutationFields((t) => ({
  signup: t.field({
    type: AuthPayload,
    description: 'Creates an account and signs it in.',
    skipTypeScopes: true,
    args: {
      username: t.arg.string({ required: true }),
      email: t.arg.string({ required: true }),
      password: t.arg.string({ required: true }),
    },
    resolve: async (_root, args, context) => {
      const signedIn = await context.services.accounts.signup({
        ...args,
        address: context.address,
        userAgent: context.userAgent,
      });
      context.session.issue(signedIn.token);
      return signedIn;
    },
  }),
  login: t.field({
    type: AuthPayload,
    skipTypeScopes: true,
    args: {
      username: t.arg.string({ required: true }),
      password: t.arg.string({ required: true }),
    },
    resolve: async (_root, args, context) => {
      const signedIn = await context.services.accounts.login({
        ...args,
        address: context.address,
        userAgent: context.userAgent,
      });
      context.session.issue(signedIn.token);
      return signedIn;
    },
  }),
  logout: t.withAuth({ signedIn: true }).boolean({
    description: 'Ends the current session everywhere at once, its open sockets included.',
    resolve: async (_root, _args, context) => {
      await context.services.sessions.end(context.viewer);
      context.session.clear();
      return true;
    },
  }),
  endSession: t.withAuth({ signedIn: true }).boolean({
    description:
      "Ends one of the viewer's sessions and closes its sockets on every instance; another person's session is NOT_FOUND.",
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, context) => {
      await context.services.sessions.endOwn(context.viewer, String(args.id));
      if (String(args.id) === context.viewer.sessionId) context.session.clear();
      return true;
    },
  }),
  endOtherSessions: t.withAuth({ signedIn: true }).int({
    description: "Ends every session of the viewer's but this one, closing their sockets; answers how many ended.",
    resolve: (_root, _args, context) => context.services.sessions.endOthers(context.viewer),
  }),
  changePassword: t.withAuth({ signedIn: true }).boolean({
    description:
      'Needs the current password (a wrong one is UNAUTHENTICATED and counts as a failed login); ends every other session.',
    args: {
      currentPassword: t.arg.string({ required: true }),
      newPassword: t.arg.string({ required: true }),
    },
    resolve: async (_root, args, context) => {
      await context.services.accounts.changePassword(
        context.viewer,
        args.currentPassword,
        args.newPassword,
        context.address,
      );
      return true;
    },
  }),
  changeEmail: t.withAuth({ signedIn: true }).field({
    type: User,
    description: 'Needs the password (counted like a login); voids a pending reset link.',
    args: {
      password: t.arg.string({ required: true }),
      email: t.arg.string({ required: true }),
    },
    resolve: async (_root, args, context) => {
      await context.services.accounts.changeEmail(context.viewer, args.password, args.email, context.address);
      return context.viewer;
    },
  }),
  deleteAccount: t.withAuth({ signedIn: true }).boolean({
    description:
      'Needs the password. Ends every session, removes passkeys, blocks and email, leaves every group (ownership passes on as when leaving), and either keeps the messages under "Deleted user" or, with `eraseMessages`, deletes each for everyone. The username is never handed out again.',
    args: {
      password: t.arg.string({ required: true }),
      eraseMessages: t.arg.boolean({ required: true }),
    },
    resolve: async (_root, args, context) => {
      await context.services.accountDeletion.delete(context.viewer, args.password, args.eraseMessages, context.address);
      context.session.clear();
      return true;
    },
  }),
  requestPasswordReset: t.boolean({
    description:
      'Mails a reset link (valid 30 minutes, once) to the accounts with this email. Always true, in the same time: it reveals nothing.',
    skipTypeScopes: true,
    args: { email: t.arg.string({ required: true }) },
    resolve: async (_root, args, context) => {
      await context.services.passwordResets.request(args.email, {
        address: context.address,
        userAgent: context.userAgent,
      });
      return true;
    },
  }),
  resetPassword: t.field({
    type: AuthPayload,
    description: "Sets a new password with a reset link's token, ends every session of the account, and signs in.",
    skipTypeScopes: true,
    args: {
      token: t.arg.string({ required: true }),
      newPassword: t.arg.string({ required: true }),
    },
    resolve: async (_root, args, context) => {
      const signedIn = await context.services.passwordResets.reset(args.token, args.newPassword, {
        address: context.address,
        userAgent: context.userAgent,
      });
      context.session.issue(signedIn.token);
      return signedIn;
    },
  }),
}));
