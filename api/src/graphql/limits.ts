/**
 * Query limits, applied alike to HTTP and WebSocket operations (graphql-ws
 * executes through this Yoga's envelop). Sized for the web client's largest
 * query with room to spare. Introspection is never exempt (armor's
 * `ignoreIntrospection` on depth would let an unbounded `__schema { … ofType … }`
 * through); where it is enabled, the depth allows GraphiQL's introspection query.
 * The cost (`query-cost.ts`) counts the fields an operation can resolve, a
 * connection's selection once per item of its page: a page of 50 messages with
 * every detail (revisions, reactions, mentions, the message answered) fits, one
 * of 200 does not; three plain 200-message pages fit, four do not, whether the
 * page size is a literal or a variable.
 */
export const queryLimits = {
  maxDepth: 8,
  maxDepthWithIntrospection: 16,
  maxAliases: 15,
  maxTokens: 1_000,
  maxDirectives: 20,
  maxCost: 10_000,
  /** The page size of `conversation` and `users` without `first`/`last`. */
  defaultPageSize: 50,
  /** The largest page any connection returns; a bigger `first`/`last` is refused by its resolver. */
  maxPageSize: 200,
} as const;
