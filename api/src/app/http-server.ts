import fastifyCookie from '@fastify/cookie';
import fastifyCors from '@fastify/cors';
import fastifyWebsocket from '@fastify/websocket';
import Fastify from 'fastify';
import { handleProtocols } from 'graphql-ws';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { createGraphQLServer } from '../graphql/yoga.ts';
import type { Background } from '../lib/background.ts';
import type { Services } from '../modules/services.ts';
import { compatHistory } from '../transports/compat/history.ts';
import { compatPages } from '../transports/compat/pages.ts';
import { compatChatSocket } from '../transports/compat/chat-socket.ts';
import type { Drain } from '../transports/drain.ts';
import { accountRoutes } from '../transports/http/account-routes.ts';
import { fileRoutes } from '../transports/http/files.ts';
import { createGraphQLHttpHandler } from '../transports/http/graphql-http.ts';
import { healthRoutes } from '../transports/http/health.ts';
import { httpErrorHandler } from '../transports/http/http-errors.ts';
import { createOriginCheck } from '../transports/http/origins.ts';
import { graphiqlSecurityHeaders, securityHeaders } from '../transports/http/security-headers.ts';
import { createGraphQLWsHandler } from '../transports/ws/graphql-ws.ts';
import { socketAdopter } from '../transports/ws/socket-adopter.ts';
import { KeepAlive } from '../transports/ws/socket-flow.ts';
import type { SocketRegistry } from '../transports/ws/socket-registry.ts';
import type { Config } from './config.ts';
import type { Lifecycle } from './lifecycle.ts';

const BODY_LIMIT_BYTES = 256 * 1024;

/**
 * The one HTTP server of an instance and every transport on it: GraphQL over
 * HTTP and graphql-ws on `/graphql`, the health checks, and the original
 * chat's pages, history API and socket. Stopping it drains first: readiness
 * fails and new work is refused, sends in flight get their answers, then
 * sockets close with 1001.
 */
export async function startHttpServer(
  deps: {
    config: Config;
    log: Logger;
    services: Services;
    sockets: SocketRegistry;
    drain: Drain;
    background: Background;
  },
  lifecycle: Lifecycle,
): Promise<string> {
  const { config, log, services, sockets, drain } = deps;
  const server = Fastify({
    // Per-request logs would cost more than the requests; warnings and errors still show.
    loggerInstance: log.child({ component: 'http' }, { level: 'warn' }),
    trustProxy: config.TRUST_PROXY,
    bodyLimit: BODY_LIMIT_BYTES,
    return503OnClosing: true,
    // A connection must send its request's headers within HTTP_HEADERS_TIMEOUT of opening (or of
    // its previous request), whether it says nothing or trickles a byte at a time; Node checks
    // every second rather than its default 30 s. Then its body must keep coming, and an idle
    // keep-alive connection is closed, after HTTP_IDLE_TIMEOUT (ws clears it on upgraded sockets).
    http: {
      headersTimeout: config.HTTP_HEADERS_TIMEOUT,
      connectionsCheckingInterval: Math.min(1_000, config.HTTP_HEADERS_TIMEOUT / 2),
    },
    connectionTimeout: config.HTTP_IDLE_TIMEOUT,
    keepAliveTimeout: config.HTTP_IDLE_TIMEOUT,
    requestTimeout: config.HTTP_IDLE_TIMEOUT,
  });
  lifecycle.onStop('HTTP server', async () => {
    if (!(await drain.drain(config.SHUTDOWN_TIMEOUT)))
      log.warn('shutdown deadline passed with sends in flight');
    sockets.closeAll(1001, 'Server shutting down');
    await server.close();
  });
  server.server.maxConnections = config.MAX_CONNECTIONS;
  server.setErrorHandler(httpErrorHandler);
  server.addHook('onRequest', securityHeaders);
  await server.register(fastifyCookie);
  await server.register(fastifyWebsocket, {
    options: { maxPayload: config.WS_MAX_PAYLOAD_BYTES, perMessageDeflate: false, handleProtocols },
    // Sockets are closed by the drain above with 1001 before the server closes.
    preClose: () => {},
  });
  await server.register(fastifyCors, {
    origin: config.ALLOWED_ORIGINS.length > 0 ? config.ALLOWED_ORIGINS : false,
    credentials: true,
    methods: ['GET', 'POST'],
  });

  const originAllowed = createOriginCheck(config.ALLOWED_ORIGINS);
  const yoga = createGraphQLServer(
    {
      graphiql: config.GRAPHIQL,
      introspection: config.INTROSPECTION,
      maxGroupMembers: config.MAX_GROUP_MEMBERS,
    },
    log,
  );
  const socketFlow = {
    adoptSocket: socketAdopter(log),
    maxBufferedBytes: config.WS_MAX_BUFFERED_BYTES,
    keepAlive: new KeepAlive(config.WS_KEEPALIVE_INTERVAL),
  };
  const graphqlHttp = createGraphQLHttpHandler({
    yoga,
    services,
    originAllowed,
    sessionMaxAgeMs: config.SESSION_MAX_AGE,
  });
  server.post('/graphql', graphqlHttp);
  server.route({
    method: 'GET',
    url: '/graphql',
    // Runs after the global hook: GraphiQL's policy replaces the default one.
    ...(config.GRAPHIQL && { onRequest: graphiqlSecurityHeaders }),
    handler: graphqlHttp,
    wsHandler: createGraphQLWsHandler({
      yoga,
      services,
      sockets,
      drain,
      maxOperationsPerSocket: config.WS_MAX_SUBSCRIPTIONS_PER_SOCKET,
      ...socketFlow,
    }),
    // Cross-site WebSocket hijacking: a browser socket from a foreign page carries our cookie.
    preValidation: async (request, reply) => {
      if (!request.ws) return;
      if (drain.draining) await reply.status(503).send({ error: 'The server is restarting.' });
      else if (!originAllowed(request))
        await reply.status(403).send({ error: 'This origin is not allowed.' });
    },
  });
  await server.register(healthRoutes(services, sockets, drain));
  await server.register(compatHistory(services));
  await server.register(fileRoutes(services));
  await server.register(accountRoutes(services));
  await server.register(
    compatChatSocket({ services, originAllowed, sockets, drain, background: deps.background, ...socketFlow }),
  );
  await server.register(
    compatPages({
      services,
      originAllowed,
      webDistDir: config.WEB_DIST_DIR,
      sessionMaxAgeMs: config.SESSION_MAX_AGE,
    }),
  );
  await server.listen({ host: config.HOST, port: config.PORT });
  const { port } = server.server.address() as AddressInfo;
  return `http://localhost:${port}`;
}
