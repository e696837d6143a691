import { requireViewer } from '../../context.ts';
import type { SignedIn } from '../../services/accounts.ts';
import { builder } from '../builder.ts';
import { User } from './user.ts';

const AuthPayload = builder.objectRef<SignedIn>('AuthPayload').implement({
  description: 'A new session: the token for the Authorization header (browsers get it as a cookie too).',
  fields: (t) => ({
    token: t.exposeString('token'),
    user: t.field({ type: User, resolve: (signedIn) => signedIn.viewer }),
  }),
});

builder.mutationFields((t) => ({
  signup: t.field({
    type: AuthPayload,
    description: 'Creates an account and signs it in.',
    args: {
      username: t.arg.string({ required: true }),
      email: t.arg.string({ required: true }),
      password: t.arg.string({ required: true }),
    },
    resolve: async (_root, args, context) => {
      const signedIn = await context.services.accounts.signup({ ...args, address: context.address });
      context.session.issue(signedIn.token);
      return signedIn;
    },
  }),
  login: t.field({
    type: AuthPayload,
    args: {
      username: t.arg.string({ required: true }),
      password: t.arg.string({ required: true }),
    },
    resolve: async (_root, args, context) => {
      const signedIn = await context.services.accounts.login({ ...args, address: context.address });
      context.session.issue(signedIn.token);
      return signedIn;
    },
  }),
  logout: t.boolean({
    description: 'Ends the current session everywhere at once, its open sockets included.',
    resolve: async (_root, _args, context) => {
      await context.services.accounts.logout(requireViewer(context));
      context.session.clear();
      return true;
    },
  }),
}));
