import type { FastifyReply, FastifyRequest } from 'fastify';
import { isDatabaseUnavailable } from '../../db/client.ts';
import type { Context } from '../../graphql/context.ts';
import type { GraphQLServer } from '../../graphql/yoga.ts';
import type { Services } from '../../modules/services.ts';
import type { OriginCheck } from './origins.ts';
import { cookieSessionCarrier, sessionToken } from './session-cookie.ts';

const JSON_CONTENT_TYPE = /^application\/(graphql-response\+)?json\s*(;|$)/i;

function refuse(reply: FastifyReply, status: number, code: string, message: string) {
  return reply.status(status).send({ errors: [{ message, extensions: { code } }] });
}

/**
 * GraphQL over HTTP. Only JSON bodies are taken: a form, multipart or
 * text/plain post is what a third-party page can send without a CORS
 * preflight, so refusing them closes cross-site request forgery with cookies.
 */
export function createGraphQLHttpHandler(deps: {
  yoga: GraphQLServer;
  services: Services;
  originAllowed: OriginCheck;
  sessionMaxAgeMs: number;
}) {
  const { yoga, services, originAllowed } = deps;

  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.method === 'POST' && !JSON_CONTENT_TYPE.test(request.headers['content-type'] ?? '')) {
      return refuse(reply, 415, 'BAD_REQUEST', 'GraphQL requests must be sent as application/json.');
    }
    if (!originAllowed(request)) return refuse(reply, 403, 'FORBIDDEN', 'This origin is not allowed.');
    let viewer;
    try {
      viewer = await services.sessions.authenticate(sessionToken(request));
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
      return refuse(reply, 503, 'UNAVAILABLE', 'The service is temporarily unavailable. Try again shortly.');
    }
    const lifetime = new AbortController();
    // Only a connection closed before the answer ends anything (an SSE subscription); aborting
    // after every finished response would build an AbortError, with its stack, per request.
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) lifetime.abort();
    });
    const context: Context = {
      services,
      viewer,
      address: request.ip,
      userAgent: request.headers['user-agent'],
      session: cookieSessionCarrier(request, reply, deps.sessionMaxAgeMs),
      signal: lifetime.signal,
    };
    // Fastify's request minus its `query`, which @whatwg-node would merge into the URL again by
    // parsing and reprinting it; the query string is in the URL already. The parsed body is used as is.
    const { raw, method, headers, body } = request;
    const response = await yoga.handleNodeRequestAndResponse({ raw, method, headers, body }, reply, context);
    response.headers.forEach((value, key) => {
      // Cookies were set on the reply already; Yoga's own set-cookie list is empty.
      if (key !== 'set-cookie') void reply.header(key, value);
    });
    // Answers depend on the session (a GET of `me` included): never from a cache.
    void reply.header('cache-control', 'no-store');
    // A single JSON result is one string, sent with the headers in one write; only streamed
    // results (SSE, multipart) go through @whatwg-node's stream and the Proxy it wraps it in.
    const single = JSON_CONTENT_TYPE.test(response.headers.get('content-type') ?? '');
    return reply.status(response.status).send(single ? await response.text() : response.body);
  };
}
