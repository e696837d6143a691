import SchemaBuilder from '@pothos/core';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { unauthenticated } from '../domain/errors.ts';
import type PrismaTypes from '../generated/pothos-types.ts';
import { getDatamodel } from '../generated/pothos-types.ts';
import type { Context, SignedInContext } from './context.ts';

/**
 * The schema is built once per process, but Prisma is per app instance; the
 * plugin asks for the client through the context, so the schema stays static.
 *
 * Authorization is declared, not remembered: every field of Query, Mutation
 * and Subscription needs a session (the root types' `signedIn` scope), and the
 * few that do not (`signup`, `login`, `me`) say so with `skipTypeScopes`.
 * Membership of a conversation is a type (`ConversationRef`) that only the
 * conversations module's access checks make, and every service that reads or
 * changes a conversation takes one.
 */
export const builder = new SchemaBuilder<{
  Context: Context;
  AuthScopes: { signedIn: boolean };
  AuthContexts: { signedIn: SignedInContext };
  PrismaTypes: PrismaTypes;
  DefaultFieldNullability: false;
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSON: { Input: unknown; Output: unknown };
    ID: { Input: string; Output: string | number | bigint };
  };
}>({
  plugins: [ScopeAuthPlugin, PrismaPlugin, RelayPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authorizeOnSubscribe: true,
    authScopes: (context) => ({ signedIn: context.viewer !== null }),
    unauthorizedError: () => unauthenticated(),
  },
  prisma: {
    client: (context) => context.services.db,
    dmmf: getDatamodel(),
    filterConnectionTotalCount: true,
    onUnusedQuery: null,
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    nodeQueryOptions: false,
    nodesQueryOptions: false,
  },
});

builder.queryType({ authScopes: { signedIn: true } });
builder.mutationType({ authScopes: { signedIn: true } });
builder.subscriptionType({ authScopes: { signedIn: true } });

builder.scalarType('DateTime', {
  description: 'An instant, as an ISO 8601 string in UTC.',
  serialize: (value) => value.toISOString(),
  parseValue: (value) => {
    const date = typeof value === 'string' ? new Date(value) : new Date(Number.NaN);
    if (Number.isNaN(date.getTime())) throw new TypeError('DateTime must be an ISO 8601 string.');
    return date;
  },
});

builder.scalarType('JSON', {
  description: 'Any JSON value (WebAuthn options and responses, as the WebAuthn JSON encodings define them).',
  serialize: (value) => value,
  parseValue: (value) => value,
});
