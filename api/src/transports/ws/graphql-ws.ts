import type { WebSocket } from '@fastify/websocket';
import type { FastifyRequest } from 'fastify';
import {
  getOperationAST,
  GraphQLError,
  OperationTypeNode,
  type DocumentNode,
  type ExecutionArgs,
  type GraphQLSchema,
} from 'graphql';
import { CloseCode, makeServer, MessageType } from 'graphql-ws';
import { LRUCache } from 'lru-cache';
import type { Viewer } from '../../domain/people.ts';
import { noSessionCarrier, type Context } from '../../graphql/context.ts';
import type { GraphQLServer } from '../../graphql/yoga.ts';
import type { Services } from '../../modules/services.ts';
import type { Drain } from '../drain.ts';
import { sessionToken } from '../http/session-cookie.ts';
import type { AdoptSocket } from './socket-adopter.ts';
import { closeSocket, CloseCodes, sendWithFlowControl, type KeepAlive } from './socket-flow.ts';
import type { SocketRegistry } from './socket-registry.ts';
import { WorkGate } from './work-gate.ts';

interface SocketState {
  socket: WebSocket;
  /** What operations need of the upgrade request, read once: the socket does not keep the request. */
  address: string;
  userAgent: string | undefined;
  cookieToken: string | undefined;
  /** Aborted when the socket closes: ends every stream its operations opened. */
  lifetime: AbortController;
  /** Closes the socket if it never sends `connection_init`; let go once it does. */
  initWait?: NodeJS.Timeout;
  viewer?: Viewer;
  release?: () => void;
  /** Live operations by id, from subscribe until complete; a query or mutation holds a drain ticket and a turn. */
  operations: Map<string, { endWork?: () => void }>;
  /** Queries and mutations running at once: the rest wait, so an unread socket holds a bounded amount. */
  work: WorkGate;
}

type Run = (args: ExecutionArgs) => unknown;

type EnvelopedArgs = ExecutionArgs & { rootValue: { execute: Run; subscribe: Run } };

/** What Yoga's envelop hands a transport (its own typing is loose). */
interface Enveloped {
  schema: GraphQLSchema;
  execute: Run;
  subscribe: Run;
  contextFactory: () => Promise<Context> | Context;
  parse: (source: string) => DocumentNode;
  validate: (schema: GraphQLSchema, document: DocumentNode) => readonly GraphQLError[];
}

const serverOnlyTypes: ReadonlySet<unknown> = new Set([
  MessageType.ConnectionAck,
  MessageType.Next,
  MessageType.Error,
]);

/**
 * graphql-ws accepts a frame a server sends (`next`, `error`, `connection_ack`)
 * from a client, then fails on it with 1011 and a console trace. Throwing while
 * parsing makes it the protocol's 4400 "Invalid message received" instead.
 */
function rejectServerOnlyFrame(value: unknown) {
  if (
    typeof value === 'object' &&
    value !== null &&
    serverOnlyTypes.has((value as { type?: unknown }).type)
  ) {
    throw new Error('A client may not send this message type.');
  }
}

/**
 * Parses client frames, with the text of each query shared by every socket
 * that sent it: a subscription keeps its `subscribe` message as long as it runs,
 * and thousands of sockets send the same few documents. Bounded by size, so
 * queries nobody else sends cannot make it grow.
 */
function frameParser() {
  const queries = new LRUCache<string, string>({
    maxSize: 1024 * 1024,
    sizeCalculation: (query) => query.length,
  });
  const revive = (key: string, value: unknown): unknown => {
    if (key === 'query' && typeof value === 'string') {
      const shared = queries.get(value);
      if (shared !== undefined) return shared;
      if (value.length <= queries.maxSize) queries.set(value, value);
    } else if (key === '') rejectServerOnlyFrame(value);
    return value;
  };
  return (data: Buffer): unknown => JSON.parse(data.toString('utf8'), revive);
}

/** Queries and mutations of one socket that run at once (subscriptions are pulled, and not counted). */
const OPERATIONS_AT_ONCE = 2;

/** graphql-ws's default: how long a socket may stay open without sending `connection_init`. */
const CONNECTION_INIT_WAIT_MS = 3_000;

const refuse = (message: string, code: string) => [new GraphQLError(message, { extensions: { code } })];

export interface GraphQLWsOptions {
  yoga: GraphQLServer;
  services: Services;
  sockets: SocketRegistry;
  drain: Drain;
  maxOperationsPerSocket: number;
  maxBufferedBytes: number;
  keepAlive: KeepAlive;
  adoptSocket: AdoptSocket;
}

/**
 * graphql-ws on `/graphql`: graphql-ws's protocol core (`makeServer`) over a
 * thin adapter of our own, because the adapter is where flow control lives:
 * every frame is sent with backpressure (a socket that stops reading is closed
 * past `maxBufferedBytes`), operation ids are unique for the life of the
 * operation, and every stream an operation opens ends with its socket.
 *
 * The socket is authenticated once, at connection init (`connectionParams.authToken`
 * or the upgrade's session cookie), and every operation is checked against the
 * session's expiry. Operations run through Yoga's envelop, so query limits and
 * error masking are the same as over HTTP.
 */
export function createGraphQLWsHandler(options: GraphQLWsOptions) {
  const { yoga, services, sockets, drain } = options;
  const parseFrame = frameParser();
  const protocol = makeServer<Record<string, unknown> | undefined, SocketState>({
    // Ours instead (`initWait`): graphql-ws keeps its timer referenced for the life of the socket.
    connectionInitWaitTimeout: 0,
    onConnect: async (ctx) => {
      clearTimeout(ctx.extra.initWait);
      ctx.extra.initWait = undefined;
      const { authToken } = ctx.connectionParams ?? {};
      const { socket, cookieToken } = ctx.extra;
      const token = typeof authToken === 'string' ? authToken : cookieToken;
      const viewer = await services.sessions.authenticate(token);
      if (!viewer || socket.readyState !== socket.OPEN) return false;
      const release = sockets.add(viewer, (code, reason) => closeSocket(socket, code, reason));
      if (!release) {
        closeSocket(socket, CloseCodes.tooManyConnections, 'Too many open connections');
        return false;
      }
      Object.assign(ctx.extra, { viewer, release });
      return true;
    },
    onSubscribe: async (ctx, id, payload) => {
      const { viewer, operations, socket } = ctx.extra;
      if (!viewer) return refuse('Not connected.', 'UNAUTHENTICATED');
      // graphql-ws forgets an id on `complete` before its set-up has finished,
      // so a reused id could run twice; the protocol's answer is 4409.
      if (operations.has(id)) {
        closeSocket(socket, CloseCode.SubscriberAlreadyExists, `Subscriber for ${id} already exists`);
        return refuse('This operation id is in use.', 'BAD_USER_INPUT');
      }
      if (viewer.sessionExpiresAt <= Date.now()) {
        closeSocket(socket, CloseCodes.sessionEnded, 'Session ended');
        return refuse('Your session has expired.', 'UNAUTHENTICATED');
      }
      if (operations.size >= options.maxOperationsPerSocket) {
        return refuse(`At most ${options.maxOperationsPerSocket} operations per connection.`, 'RATE_LIMITED');
      }
      const context: Context = {
        services,
        viewer,
        address: ctx.extra.address,
        userAgent: ctx.extra.userAgent,
        session: noSessionCarrier,
        signal: ctx.extra.lifetime.signal,
      };
      const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped(
        context,
      ) as Enveloped;
      // Query limits reject by throwing from parse or validate, as they do over HTTP.
      let document: DocumentNode;
      try {
        document = parse(payload.query);
        const errors = validate(schema, document);
        if (errors.length > 0) return errors;
      } catch (error) {
        return [
          error instanceof Error && error.name === 'GraphQLError'
            ? (error as GraphQLError)
            : new GraphQLError('Invalid query.'),
        ];
      }
      const operation = getOperationAST(document, payload.operationName)?.operation;
      let endWork: (() => void) | undefined;
      if (operation !== OperationTypeNode.SUBSCRIPTION) {
        // Its turn first: a socket that stops reading stops its queries and mutations running.
        operations.set(id, {});
        const leave = await ctx.extra.work.enter(ctx.extra.lifetime.signal);
        // A query or mutation is answered before shutdown closes the socket.
        const ticket = leave && drain.begin();
        if (!ticket) {
          leave?.();
          operations.delete(id);
          return refuse('The server is restarting. Try again shortly.', 'UNAVAILABLE');
        }
        endWork = () => {
          ticket();
          leave();
        };
      }
      operations.set(id, { endWork });
      const args: EnvelopedArgs = {
        schema,
        document,
        operationName: payload.operationName,
        variableValues: payload.variables,
        contextValue: await contextFactory(),
        rootValue: { execute, subscribe },
      };
      return args;
    },
    onComplete: (ctx, id) => {
      ctx.extra.operations.get(id)?.endWork?.();
      ctx.extra.operations.delete(id);
    },
    execute: (args) => (args as EnvelopedArgs).rootValue.execute(args) as never,
    subscribe: (args) => (args as EnvelopedArgs).rootValue.subscribe(args) as never,
    onError: (_ctx, _id, _payload, errors) => errors,
  });

  return (socket: WebSocket, request: FastifyRequest) => {
    // A socket that closed during the upgrade will never emit 'close' again.
    if (socket.readyState !== socket.OPEN) return;
    options.adoptSocket(socket, request);
    const state: SocketState = {
      socket,
      address: request.ip,
      userAgent: request.headers['user-agent'],
      cookieToken: sessionToken(request),
      lifetime: new AbortController(),
      initWait: setTimeout(
        () =>
          closeSocket(socket, CloseCode.ConnectionInitialisationTimeout, 'Connection initialisation timeout'),
        CONNECTION_INIT_WAIT_MS,
      ),
      operations: new Map(),
      work: new WorkGate(OPERATIONS_AT_ONCE),
    };
    options.keepAlive.watch(socket);
    const closed = protocol.opened(
      {
        protocol: socket.protocol,
        send: (data) => sendWithFlowControl(socket, data, options.maxBufferedBytes),
        close: (code = 1000, reason = '') => closeSocket(socket, code, reason),
        onMessage: (handle) =>
          socket.on('message', (data: Buffer) => {
            let message: unknown;
            try {
              message = parseFrame(data);
            } catch {
              return closeSocket(socket, CloseCode.BadRequest, 'Invalid message received');
            }
            // graphql-ws keeps what it is handed for the life of the operation: the parsed message
            // (its query text shared) rather than the raw frame. Its `parseMessage` takes either.
            handle(message as string).catch((error: unknown) => {
              services.log.error({ err: error }, 'graphql-ws message failed');
              closeSocket(socket, CloseCode.InternalServerError, 'Internal server error');
            });
          }),
      },
      state,
    );
    socket.once('close', (code: number, reason: Buffer) => {
      clearTimeout(state.initWait);
      state.lifetime.abort();
      for (const { endWork } of state.operations.values()) endWork?.();
      state.release?.();
      closed(code, reason.toString('utf8')).catch((error: unknown) =>
        services.log.warn({ err: error }, 'graphql-ws close failed'),
      );
    });
  };
}
