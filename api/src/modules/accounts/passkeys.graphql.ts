import { builder } from '../../graphql/builder.ts';
import type { MaxItems } from '../../graphql/query-cost.ts';
import { User } from '../people/people.graphql.ts';
import { AuthPayload } from './accounts.graphql.ts';
import { deviceName } from './devices.ts';
import { MAX_PASSKEYS } from './passkeys.ts';
import type { PasskeyRow } from './passkeys.sql.ts';

const Passkey = builder.objectRef<PasskeyRow>('Passkey').implement({
  description: 'A passkey (WebAuthn credential) of the viewer.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    createdAt: t.field({ type: 'DateTime', resolve: (passkey) => passkey.createdAt }),
    lastUsedAt: t.field({ type: 'DateTime', nullable: true, resolve: (passkey) => passkey.lastUsedAt }),
  }),
});

builder.objectField(User, 'passkeys', (t) =>
  t.field({
    type: [Passkey],
    description: "The viewer's passkeys, oldest first (at most 20); empty for anyone else.",
    extensions: { maxItems: MAX_PASSKEYS satisfies MaxItems },
    resolve: (user, _args, context) =>
      context.viewer?.id === user.id ? context.services.passkeys.list(user.id) : [],
  }),
);

builder.mutationFields((t) => ({
  passkeyRegistrationOptions: t.withAuth({ signedIn: true }).field({
    type: 'JSON',
    description: 'WebAuthn creation options (PublicKeyCredentialCreationOptionsJSON); the challenge works once, for 5 minutes.',
    resolve: (_root, _args, context) => context.services.passkeys.registrationOptions(context.viewer),
  }),
  registerPasskey: t.withAuth({ signedIn: true }).field({
    type: Passkey,
    description: 'Stores the passkey the browser created (RegistrationResponseJSON); `name` defaults to the device.',
    args: { response: t.arg({ type: 'JSON', required: true }), name: t.arg.string() },
    resolve: (_root, args, context) =>
      context.services.passkeys.register(
        context.viewer,
        args.response,
        args.name,
        deviceName(context.userAgent ?? null) ?? 'Passkey',
      ),
  }),
  removePasskey: t.withAuth({ signedIn: true }).boolean({
    description: "Removes one of the viewer's passkeys; another person's is NOT_FOUND.",
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, context) => {
      await context.services.passkeys.remove(context.viewer, String(args.id));
      return true;
    },
  }),
  renamePasskey: t.withAuth({ signedIn: true }).field({
    type: Passkey,
    description: "Renames one of the viewer's passkeys (1–64 characters); another person's is NOT_FOUND.",
    args: { id: t.arg.id({ required: true }), name: t.arg.string({ required: true }) },
    resolve: (_root, args, context) => context.services.passkeys.rename(context.viewer, String(args.id), args.name),
  }),
  passkeyLoginOptions: t.field({
    type: 'JSON',
    description:
      'WebAuthn request options (PublicKeyCredentialRequestOptionsJSON). With a username, its passkeys are offered; without, the browser offers the ones it holds for this site.',
    skipTypeScopes: true,
    args: { username: t.arg.string() },
    resolve: (_root, args, context) => context.services.passkeys.loginOptions(args.username),
  }),
  loginWithPasskey: t.field({
    type: AuthPayload,
    description: 'Signs in with a passkey assertion (AuthenticationResponseJSON) to a challenge from `passkeyLoginOptions`.',
    skipTypeScopes: true,
    args: { response: t.arg({ type: 'JSON', required: true }) },
    resolve: async (_root, args, context) => {
      const signedIn = await context.services.passkeys.login(args.response, {
        address: context.address,
        userAgent: context.userAgent,
      });
      context.session.issue(signedIn.token);
      return signedIn;
    },
  }),
}));
