import { createGraphQLError, maskError as yogaMaskError } from 'graphql-yoga';
import type { GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import { isDatabaseUnavailable } from '../db/client.ts';
import { LogThrottle } from '../lib/log-throttle.ts';
import { AppError } from '../domain/errors.ts';

const isGraphQLError = (error: unknown): error is GraphQLError =>
  error instanceof Error && error.name === 'GraphQLError';

type ErrorWithOrigin = Partial<Pick<GraphQLError, 'originalError' | 'path' | 'nodes' | 'extensions'>>;

/** GraphQL's view of an expected failure: its code (and the argument at fault) in `extensions`. */
export function appErrorExtensions(error: AppError) {
  return {
    code: error.code,
    ...(error.details.field && { field: error.details.field }),
    ...(error.details.retryAfterSeconds && { retryAfterSeconds: error.details.retryAfterSeconds }),
  };
}

/**
 * Expected failures keep their code and message; anything else is logged and
 * reaches the client as a bare "Unexpected error." with no stack, SQL or internals.
 * (Errors are told apart by shape, not `instanceof GraphQLError`: graphql can be
 * loaded twice, as ESM and CommonJS, by different dependencies.)
 */
export function createErrorMasker(log: Logger) {
  // During an outage every request fails alike: a few lines a minute say so.
  const throttle = new LogThrottle();
  return (error: unknown, message: string): Error => {
    const { originalError, path, nodes } = (error ?? {}) as ErrorWithOrigin;
    const cause = originalError ?? error;
    if (cause instanceof AppError) {
      return createGraphQLError(cause.message, { path, nodes, extensions: appErrorExtensions(cause) });
    }
    if (isDatabaseUnavailable(cause)) {
      throttle.warn(log, 'database unavailable', { err: cause }, 'database unavailable');
      return createGraphQLError('The service is temporarily unavailable. Try again shortly.', {
        path,
        nodes,
        extensions: { code: 'UNAVAILABLE' },
      });
    }
    // Syntax, validation and variable-coercion errors are the client's own, and safe to show.
    if (isGraphQLError(error) && (!originalError || isGraphQLError(originalError))) return error;
    log.error({ err: cause }, 'unexpected error');
    return yogaMaskError(error, message, false);
  };
}
