import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isUnionType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../src/graphql/schema.ts';
import { gql } from './support/clients.ts';
import { useTestServer } from './support/harness.ts';

/** The root fields anyone may call without a session. Adding one here is a decision, reviewed as such. */
const PUBLIC_FIELDS = new Set([
  'Mutation.signup',
  'Mutation.login',
  'Query.me',
  // Signing in without a password, and recovering one: a session is what they make.
  'Mutation.passkeyLoginOptions',
  'Mutation.loginWithPasskey',
  'Mutation.requestPasswordReset',
  'Mutation.resetPassword',
]);

const roots = [schema.getQueryType()!, schema.getMutationType()!, schema.getSubscriptionType()!];
const options = (extensions: unknown) =>
  (extensions as { pothosOptions?: { authScopes?: unknown; skipTypeScopes?: boolean } }).pothosOptions ?? {};

describe('authorization is declared for every root field', () => {
  it('requires a session on the root types, and only the public fields skip it', () => {
    for (const root of roots) expect(options(root.extensions).authScopes, root.name).toEqual({ signedIn: true });
    const skipping = roots.flatMap((root) =>
      Object.values(root.getFields())
        .filter((field) => options(field.extensions).skipTypeScopes)
        .map((field) => `${root.name}.${field.name}`),
    );
    expect(new Set(skipping)).toEqual(PUBLIC_FIELDS);
  });
});

/** A value of the argument's type, good enough to get past validation. */
function sample(type: GraphQLInputType): string {
  if (isNonNullType(type)) return sample(type.ofType);
  if (isListType(type)) return `[${sample(type.ofType)}]`;
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields()).filter((field) => isNonNullType(field.type));
    return `{ ${fields.map((field) => `${field.name}: ${sample(field.type)}`).join(', ')} }`;
  }
  if (isEnumType(type)) return type.getValues()[0]!.name;
  const name = getNamedType(type).name;
  if (name === 'Int') return '1';
  if (name === 'Boolean') return 'true';
  if (name === 'DateTime') return '"2026-01-01T00:00:00Z"';
  return '"1"';
}

function operation(root: GraphQLObjectType, field: GraphQLField<unknown, unknown>) {
  const args = field.args.filter((arg) => isNonNullType(arg.type)).map((arg) => `${arg.name}: ${sample(arg.type)}`);
  const type = getNamedType(field.type);
  const selection = isObjectType(type) || isUnionType(type) ? ' { __typename }' : '';
  const keyword = root === schema.getMutationType() ? 'mutation' : 'query';
  return `${keyword} { ${field.name}${args.length > 0 ? `(${args.join(', ')})` : ''}${selection} }`;
}

describe('without a session', () => {
  const harness = useTestServer();

  it('every query and mutation but the public ones answers UNAUTHENTICATED', async () => {
    for (const root of [schema.getQueryType()!, schema.getMutationType()!]) {
      for (const field of Object.values(root.getFields())) {
        if (PUBLIC_FIELDS.has(`${root.name}.${field.name}`)) continue;
        const result = await gql(harness.server, operation(root, field));
        expect(
          { field: field.name, codes: result.errors?.map((error) => error.extensions?.code) },
          operation(root, field),
        ).toEqual({ field: field.name, codes: ['UNAUTHENTICATED'] });
      }
    }
  });
});
