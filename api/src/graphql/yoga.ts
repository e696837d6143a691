import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { NoSchemaIntrospectionCustomRule } from 'graphql';
import { createYoga, type Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { Context } from '../context.ts';
import type { Config } from '../env.ts';
import { createErrorMasker } from './errors.ts';
import { useQueryCostLimit } from './query-cost.ts';
import { schema } from './schema.ts';

/**
 * Query limits, applied alike to HTTP and WebSocket operations (graphql-ws
 * executes through this Yoga's envelop). Sized for the web client's largest
 * query with room to spare. Introspection is never exempt (armor's
 * `ignoreIntrospection` on depth would let an unbounded `__schema { … ofType … }`
 * through); where it is enabled, the depth allows GraphiQL's introspection query.
 * The cost (`query-cost.ts`) counts the fields an operation can resolve, a
 * connection's selection once per item of its page: one full 200-item page of
 * messages fits, fourteen do not, whether the page size is a literal or a variable.
 */
export const queryLimits = {
  maxDepth: 8,
  maxDepthWithIntrospection: 16,
  maxAliases: 15,
  maxTokens: 1_000,
  maxDirectives: 20,
  maxCost: 4_000,
  /** The page size of `conversation` and `users` without `first`/`last`. */
  defaultPageSize: 50,
  /** The largest page any connection returns; a bigger `first`/`last` is refused by its resolver. */
  maxPageSize: 200,
} as const;

export function createGraphQLServer(config: Config, log: Logger) {
  const plugins: Plugin[] = [
    EnvelopArmorPlugin({
      maxDepth: {
        n: config.INTROSPECTION ? queryLimits.maxDepthWithIntrospection : queryLimits.maxDepth,
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
    useQueryCostLimit(queryLimits),
  ];
  // A validation rule rather than Yoga's HTTP-only plugin: graphql-ws validates through the same envelop.
  if (!config.INTROSPECTION)
    plugins.push({
      onValidate: ({ addValidationRule }) => addValidationRule(NoSchemaIntrospectionCustomRule),
    });
  return createYoga<Context>({
    schema,
    graphqlEndpoint: '/graphql',
    graphiql: config.GRAPHIQL && { subscriptionsProtocol: 'WS', title: 'Chat API' },
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
