import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isDatabaseUnavailable } from '../../db/client.ts';
import { AppError } from '../../domain/errors.ts';

/**
 * The last word on a failed HTTP request outside GraphQL: expected failures
 * keep their status and message, Fastify's own 4xx (bad JSON, too large) pass
 * through, and anything else is logged and answered without internals.
 */
export function httpErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof AppError) {
    if (error.details.retryAfterSeconds)
      void reply.header('retry-after', String(error.details.retryAfterSeconds));
    return reply.status(error.httpStatus).send({ error: error.message, code: error.code });
  }
  if (isDatabaseUnavailable(error)) {
    request.log.warn({ err: error }, 'database unavailable');
    return reply.status(503).send({ error: 'The service is temporarily unavailable.', code: 'UNAVAILABLE' });
  }
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return reply.status(error.statusCode).send({ error: error.message, code: error.code });
  }
  request.log.error({ err: error }, 'unexpected error');
  return reply.status(500).send({ error: 'Unexpected error.', code: 'INTERNAL_SERVER_ERROR' });
}
