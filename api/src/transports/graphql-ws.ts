import { GraphQLError, type DocumentNode, type ExecutionArgs, type GraphQLSchema } from 'graphql';
import { MessageType } from 'graphql-ws';
import { makeHandler } from 'graphql-ws/use/@fastify/websocket';
import type { Context, Services } from '../context.ts';
import { noSessionCarrier } from '../context.ts';
import type { GraphQLServer } from '../graphql/yoga.ts';
import type { Viewer } from '../services/accounts.ts';
import { sessionToken } from './session-cookie.ts';
import type { SocketRegistry } from './socket-registry.ts';

type SocketState = {
  viewer?: Viewer;
  release?: () => void;
  subscriptions?: Set<string>;
};

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
function rejectServerOnlyFrames(key: string, value: unknown): unknown {
  if (
    key === '' &&
    typeof value === 'object' &&
    value !== null &&
    serverOnlyTypes.has((value as { type?: unknown }).type)
  ) {
    throw new Error('A client may not send this message type.');
  }
  return value;
}

const forbidden = (message: string, code: string) => [new GraphQLError(message, { extensions: { code } })];

/**
 * graphql-ws on `/graphql`. The socket is authenticated once, at connection
 * init (`connectionParams.authToken` or the upgrade's session cookie), and
 * every operation is checked against that session's expiry; a revoked session
 * has its sockets closed by the registry. Operations run through Yoga's
 * envelop, so query limits and error masking are the same as over HTTP.
 */
export function createGraphQLWsHandler(deps: {
  yoga: GraphQLServer;
  services: Services;
  sockets: SocketRegistry;
  maxSubscriptionsPerSocket: number;
}) {
  const { yoga, services, sockets } = deps;
  return makeHandler<Record<string, unknown> | undefined, SocketState>({
    jsonMessageReviver: rejectServerOnlyFrames,
    onConnect: async (ctx) => {
      const { authToken } = ctx.connectionParams ?? {};
      const token = typeof authToken === 'string' ? authToken : sessionToken(ctx.extra.request);
      const viewer = await services.accounts.authenticate(token);
      if (!viewer) return false;
      const release = sockets.add(viewer, (code, reason) => ctx.extra.socket.close(code, reason));
      if (!release) {
        ctx.extra.socket.close(4429, 'Too many open connections');
        return false;
      }
      Object.assign(ctx.extra, { viewer, release, subscriptions: new Set<string>() });
      return true;
    },
    onClose: (ctx) => ctx.extra.release?.(),
    onSubscribe: async (ctx, id, payload) => {
      const { viewer, subscriptions } = ctx.extra;
      if (!viewer || !subscriptions) return forbidden('Not connected.', 'UNAUTHENTICATED');
      if (viewer.sessionExpiresAt <= Date.now()) {
        ctx.extra.socket.close(4403, 'Session ended');
        return forbidden('Your session has expired.', 'UNAUTHENTICATED');
      }
      if (subscriptions.size >= deps.maxSubscriptionsPerSocket) {
        return forbidden(
          `At most ${deps.maxSubscriptionsPerSocket} operations per connection.`,
          'RATE_LIMITED',
        );
      }
      const context: Context = { services, viewer, address: ctx.extra.request.ip, session: noSessionCarrier };
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
      subscriptions.add(id);
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
      ctx.extra.subscriptions?.delete(id);
    },
    execute: (args) => (args as EnvelopedArgs).rootValue.execute(args) as never,
    subscribe: (args) => (args as EnvelopedArgs).rootValue.subscribe(args) as never,
    onError: (_ctx, _id, _payload, errors) => errors,
  });
}
