import { initGraphQLTada } from 'gql.tada';
import type { introspection } from './graphql-env.d.ts';

/**
 * The client's view of the API, typed from `schema.graphql` by gql.tada (`npm run schema` writes
 * `graphql-env.d.ts` from it): a field the server renames or drops fails the type check.
 * Fragments are not masked: a fragment's fields are on the object that spreads it.
 */
export const graphql = initGraphQLTada<{
  introspection: introspection;
  scalars: { DateTime: string };
  disableMasking: true;
}>();
