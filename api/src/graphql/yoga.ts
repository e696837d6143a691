import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { NoSchemaIntrospectionCustomRule } from 'graphql';
import { createYoga, type Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { Context } from './context.ts';
import { createErrorMasker } from './errors.ts';
import { queryLimits } from './limits.ts';
import { useQueryCostLimit } from './query-cost.ts';
import { schema } from './schema.ts';

/** Yoga over the schema; GraphiQL and introspection are for development (see `loadConfig`). */
export function createGraphQLServer(
  options: { graphiql: boolean; introspection: boolean; maxGroupMembers: number },
  log: Logger,
) {
  const plugins: Plugin[] = [
    EnvelopArmorPlugin({
      maxDepth: {
        n: options.introspection ? queryLimits.maxDepthWithIntrospection : queryLimits.maxDepth,
        ignoreIntrospection: false,
        flattenFragments: true,
      },
      maxAliases: { n: queryLimits.maxAliases },
      maxTokens: { n: queryLimits.maxTokens },
      maxDirectives: { n: queryLimits.maxDirectives },
      // Replaced by useQueryCostLimit, which also weighs page sizes passed as variables.
      costLimit: { enabled: false },
      blockFieldSuggestion: { enabled: true },
    }),
    useQueryCostLimit({ ...queryLimits, maxGroupMembers: options.maxGroupMembers }),
  ];
  // A validation rule rather than Yoga's HTTP-only plugin: graphql-ws validates through the same envelop.
  if (!options.introspection)
    plugins.push({
      onValidate: ({ addValidationRule }) => addValidationRule(NoSchemaIntrospectionCustomRule),
    });
  return createYoga<Context>({
    schema,
    graphqlEndpoint: '/graphql',
    graphiql: options.graphiql && { subscriptionsProtocol: 'WS', title: 'Chat API' },
    // Bundled rather than loaded from a CDN, so GraphiQL works on a network without one.
    renderGraphiQL,
    landingPage: false,
    // CORS and CSRF are decided by the HTTP transport, which knows the allowed origins.
    cors: false,
    batching: false,
    logging: false,
    maskedErrors: { maskError: createErrorMasker(log) },
    plugins,
  });
}

export type GraphQLServer = ReturnType<typeof createGraphQLServer>;
