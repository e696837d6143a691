import fastifyCookie from '@fastify/cookie';
import fastifyCors from '@fastify/cors';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { handleProtocols } from 'graphql-ws';
import helmet, { type HelmetOptions } from 'helmet';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import type { Services } from './context.ts';
import { createDatabase } from './db/client.ts';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './db/embedded-postgres.ts';
import { applyMigrations } from './db/migrations.ts';
import type { Config } from './env.ts';
import { createGraphQLServer, queryLimits } from './graphql/yoga.ts';
import { Drain } from './delivery/drain.ts';
import { KeepAlive } from './delivery/socket-flow.ts';
import { createInProcessBus, createRedisBus } from './pubsub.ts';
import { AccountService } from './services/accounts.ts';
import { BlockService } from './services/blocks.ts';
import { ChatEvents } from './services/chat-events.ts';
import { PresenceService } from './services/presence.ts';
import { TypingService } from './services/typing.ts';
import { MemoryPresenceStore, RedisPresenceStore } from './presence-store.ts';
import { ConversationService } from './services/conversations.ts';
import { MessageStreams } from './services/message-stream.ts';
import { MessageService } from './services/messages.ts';
import { RateLimits } from './services/rate-limits.ts';
import { UserDirectory } from './services/users.ts';
import { compatHistory } from './transports/compat-history.ts';
import { compatPages } from './transports/compat-pages.ts';
import { compatChatSocket } from './transports/compat-ws.ts';
import { createGraphQLHttpHandler } from './transports/graphql-http.ts';
import { createGraphQLWsHandler } from './transports/graphql-ws.ts';
import { healthRoutes } from './transports/health.ts';
import { httpErrorHandler } from './transports/http-errors.ts';
import { createOriginCheck } from './transports/origins.ts';
import { SocketRegistry } from './transports/socket-registry.ts';
import { socketAdopter } from './transports/upgrade.ts';

export interface RunningApp {
  url: string;
  /** What the instance runs on, for the start-up banner. */
  database: 'embedded' | 'external';
  pubsub: 'redis' | 'in-process';
}

export interface App {
  start(): Promise<RunningApp>;
  /** Stops accepting, closes sockets with 1001 (going away), lets in-flight work finish, releases everything. */
  stop(): Promise<void>;
}

const BODY_LIMIT_BYTES = 256 * 1024;

/**
 * The web client's built pages load only their own scripts, styles and sockets (no inline
 * scripts or styles), and no page may frame them.
 */
const CONTENT_SECURITY_POLICY = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
};
/** GraphiQL (development only) is one HTML page of inline scripts and styles. */
const GRAPHIQL_CONTENT_SECURITY_POLICY = {
  ...CONTENT_SECURITY_POLICY,
  'script-src': ["'self'", "'unsafe-inline'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'worker-src': ["'self'", 'blob:'],
};

const securityHeaderOptions = {
  contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
  // Sends the Referer to our own pages only: an old client's GET /logout/ link needs it.
  referrerPolicy: { policy: 'same-origin' },
  frameguard: { action: 'deny' },
} satisfies HelmetOptions;
/**
 * Helmet's header setters, built once: @fastify/helmet built them (parsing the policy) on every
 * request, a tenth of the CPU of a small GraphQL request.
 */
const securityHeaders = setHeaders(helmet(securityHeaderOptions));
const graphiqlSecurityHeaders = setHeaders(
  helmet({
    ...securityHeaderOptions,
    contentSecurityPolicy: { useDefaults: false, directives: GRAPHIQL_CONTENT_SECURITY_POLICY },
  }),
);

/** A Fastify hook over Helmet's middleware; static options fail when built, never per request. */
function setHeaders(middleware: ReturnType<typeof helmet>) {
  return (request: FastifyRequest, reply: FastifyReply, done: () => void) =>
    middleware(request.raw, reply.raw, () => done());
}

/** Builds the whole server from a validated config; nothing here reads the process. */
export function buildApp(config: Config, log: Logger = pino({ level: config.LOG_LEVEL })): App {
  const cleanups: Array<() => unknown> = [];

  const start = async (): Promise<RunningApp> => {
    let databaseUrl = config.DATABASE_URL;
    if (!databaseUrl) {
      const embedded: EmbeddedDatabase = await startEmbeddedPostgres(
        config.EMBEDDED_PG_DIR,
        config.EMBEDDED_PG_PORT,
        (message) => log.warn(message),
      );
      cleanups.push(() => embedded.stop());
      databaseUrl = embedded.url;
    }
    const applied = await applyMigrations(databaseUrl);
    if (applied.length > 0) log.info({ migrations: applied }, 'applied migrations');

    const { db, pool } = createDatabase(databaseUrl, config.DATABASE_POOL_SIZE);
    cleanups.push(() => db.$disconnect());
    const bus = config.REDIS_URL
      ? await createRedisBus(config.REDIS_URL, config.REDIS_KEY_PREFIX, log)
      : createInProcessBus(log);
    cleanups.push(() => bus.close());
    const limiterRedis = config.REDIS_URL
      ? new Redis(config.REDIS_URL, {
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
          commandTimeout: 500,
        })
      : undefined;
    if (limiterRedis) {
      limiterRedis.on('error', (error) => log.debug({ err: error }, 'rate limiter redis error'));
      cleanups.push(() => limiterRedis.quit().catch(() => limiterRedis.disconnect()));
    }
    const rateLimits = new RateLimits(
      config,
      limiterRedis && { client: limiterRedis, keyPrefix: config.REDIS_KEY_PREFIX },
    );
    const users = new UserDirectory(db);
    await users.backfillSkeletons(log);
    const blocks = new BlockService(db, users);
    const conversations = new ConversationService(db, bus, users, blocks, {
      maxGroupMembers: config.MAX_GROUP_MEMBERS,
    });
    const typing = new TypingService(bus, conversations, blocks);
    typing.start();
    cleanups.push(() => typing.close());
    const messages = new MessageService(db, pool, bus, users, conversations, blocks, typing, rateLimits, {
      maxBodyLength: config.MESSAGE_MAX_LENGTH,
      maxPageSize: queryLimits.maxPageSize,
      maxHistory: config.HISTORY_MAX_MESSAGES,
      maxHistoryBytes: config.HISTORY_MAX_BYTES,
    });
    const presence = new PresenceService(
      db,
      bus,
      limiterRedis
        ? new RedisPresenceStore(limiterRedis, config.REDIS_KEY_PREFIX, config.PRESENCE_HEARTBEAT * 2)
        : new MemoryPresenceStore(),
      blocks,
      log,
      { offlineGraceMs: config.PRESENCE_OFFLINE_GRACE, heartbeatMs: config.PRESENCE_HEARTBEAT },
    );
    await presence.start();
    cleanups.push(() => presence.stop());
    const sockets = new SocketRegistry(config.WS_MAX_SOCKETS_PER_USER, presence);
    const services: Services = {
      db,
      bus,
      log,
      users,
      accounts: new AccountService(
        db,
        bus,
        rateLimits,
        {
          idleTimeoutMs: config.SESSION_IDLE_TIMEOUT,
          maxAgeMs: config.SESSION_MAX_AGE,
          cacheTtlMs: config.SESSION_CACHE_TTL,
        },
        (sessionIds) => sockets.closeSessions(sessionIds),
      ),
      conversations,
      messages,
      blocks,
      typing,
      presence,
      streams: new MessageStreams(bus, messages, log, config.STREAM_BUFFER_EVENTS),
      events: new ChatEvents(db, bus, messages, log, config.STREAM_BUFFER_EVENTS),
    };
    const drain = new Drain();
    const socketFlow = {
      adoptSocket: socketAdopter(log),
      maxBufferedBytes: config.WS_MAX_BUFFERED_BYTES,
      keepAlive: new KeepAlive(config.WS_KEEPALIVE_INTERVAL),
    };

    const stopRevocations = await bus.subscribe('sessions:revoked', ({ sessionIds }) =>
      services.accounts.revoked(sessionIds),
    );
    // Revocations published while our bus was down are lost: ask PostgreSQL instead.
    const stopRecheck = bus.onResync(() => {
      services.accounts.forgetCachedSessions();
      sockets
        .closeEndedSessions((sessionIds) => services.accounts.liveSessions(sessionIds))
        .catch((error: unknown) => log.warn({ err: error }, 'could not re-check open sockets’ sessions'));
    });
    cleanups.push(
      stopRevocations,
      stopRecheck,
      services.accounts.startSessionSweep(config.SESSION_SWEEP_INTERVAL, (error) =>
        log.warn({ err: error }, 'expired-session sweep failed'),
      ),
    );

    const server = Fastify({
      // Per-request logs would cost more than the requests; warnings and errors still show.
      loggerInstance: log.child({ component: 'http' }, { level: 'warn' }),
      trustProxy: config.TRUST_PROXY,
      bodyLimit: BODY_LIMIT_BYTES,
      return503OnClosing: true,
      // Connections that say nothing are cut (ws clears the timeout on upgraded sockets).
      connectionTimeout: config.HTTP_IDLE_TIMEOUT,
      requestTimeout: config.HTTP_IDLE_TIMEOUT,
    });
    server.server.maxConnections = config.MAX_CONNECTIONS;
    server.server.headersTimeout = Math.min(config.HTTP_IDLE_TIMEOUT, 10_000);
    server.setErrorHandler(httpErrorHandler);
    server.addHook('onRequest', securityHeaders);
    await server.register(fastifyCookie);
    await server.register(fastifyWebsocket, {
      options: {
        maxPayload: config.WS_MAX_PAYLOAD_BYTES,
        perMessageDeflate: false,
        handleProtocols,
      },
      // Sockets are closed by stop() with 1001 before the server closes.
      preClose: () => {},
    });
    await server.register(fastifyCors, {
      origin: config.ALLOWED_ORIGINS.length > 0 ? config.ALLOWED_ORIGINS : false,
      credentials: true,
      methods: ['GET', 'POST'],
    });

    const originAllowed = createOriginCheck(config.ALLOWED_ORIGINS);
    const yoga = createGraphQLServer(config, log);
    const graphqlWs = createGraphQLWsHandler({
      yoga,
      services,
      sockets,
      drain,
      maxOperationsPerSocket: config.WS_MAX_SUBSCRIPTIONS_PER_SOCKET,
      ...socketFlow,
    });
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
      ...(config.GRAPHIQL && {
        onRequest: graphiqlSecurityHeaders,
      }),
      handler: graphqlHttp,
      wsHandler: graphqlWs,
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
    await server.register(compatChatSocket({ services, originAllowed, sockets, drain, ...socketFlow }));
    await server.register(
      compatPages({
        services,
        originAllowed,
        webDistDir: config.WEB_DIST_DIR,
        sessionMaxAgeMs: config.SESSION_MAX_AGE,
      }),
    );

    await server.listen({ host: config.HOST, port: config.PORT });
    cleanups.push(async () => {
      // Readiness fails and new work is refused first; sends in flight get their answers.
      if (!(await drain.drain(config.SHUTDOWN_TIMEOUT)))
        log.warn('shutdown deadline passed with sends in flight');
      sockets.closeAll(1001, 'Server shutting down');
      await server.close();
    });
    const { port } = server.server.address() as AddressInfo;
    return {
      url: `http://localhost:${port}`,
      database: config.DATABASE_URL ? 'external' : 'embedded',
      pubsub: bus.kind,
    };
  };

  const stop = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch (error) {
        log.warn({ err: error }, 'error while stopping');
      }
    }
  };

  return { start, stop };
}
