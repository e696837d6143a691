import type { WebSocket } from '@fastify/websocket';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { isDatabaseUnavailable } from '../../db/client.ts';
import type { DirectConversation } from '../../domain/conversations.ts';
import { AppError } from '../../domain/errors.ts';
import type { MessageView } from '../../domain/messages.ts';
import type { Viewer } from '../../domain/people.ts';
import { usernameKey } from '../../domain/validation.ts';
import type { Background } from '../../lib/background.ts';
import { LogThrottle } from '../../lib/log-throttle.ts';
import type { Services } from '../../modules/services.ts';
import type { OrderedStream } from '../../realtime/ordered-stream.ts';
import type { Drain } from '../drain.ts';
import type { OriginCheck } from '../http/origins.ts';
import { sessionToken } from '../http/session-cookie.ts';
import type { AdoptSocket } from '../ws/socket-adopter.ts';
import { closeSocket, CloseCodes, sendWithFlowControl, type KeepAlive } from '../ws/socket-flow.ts';
import type { SocketRegistry } from '../ws/socket-registry.ts';
import { Watermark } from './watermark.ts';
import { withFileLinks } from './file-links.ts';

interface ChatParams {
  sender: string;
  receiver: string;
}

/** What the upgrade settled before the socket opened. */
interface OpenedChat {
  viewer: Viewer;
  conversation: DirectConversation;
  /** The conversation's head when the upgrade was accepted: delivery starts after it. */
  afterSeq: number;
}

type Upgrade = FastifyRequest<{ Params: ChatParams }> & { chat?: OpenedChat };

/** Frames read ahead of the one being handled; past it the socket stops reading (TCP pushes back). */
const MAX_QUEUED_FRAMES = 32;

/** What the original sent for each message; `id` and `timestamp` are ours, and old clients ignore them. */
const toFrame = (message: MessageView) =>
  JSON.stringify({
    message: withFileLinks(message.body, message.attachments),
    sender: message.sender.username,
    receiver: message.receiver?.username ?? '',
    id: message.id,
    timestamp: message.createdAt.toISOString(),
  });

const errorFrame = (error: string) => JSON.stringify({ error });

/** Reads a client frame: `{"message": "..."}` and nothing else counts. */
function parseFrame(data: Buffer): string {
  let frame: unknown;
  try {
    frame = JSON.parse(data.toString('utf8'));
  } catch {
    throw new AppError('BAD_USER_INPUT', 'Frames must be JSON like {"message": "Hello"}.');
  }
  const message = (frame as { message?: unknown } | null)?.message;
  if (typeof message !== 'string') throw new AppError('BAD_USER_INPUT', '"message" must be a string.');
  return message;
}

export interface CompatSocketOptions {
  services: Services;
  originAllowed: OriginCheck;
  sockets: SocketRegistry;
  drain: Drain;
  maxBufferedBytes: number;
  keepAlive: KeepAlive;
  adoptSocket: AdoptSocket;
  background: Background;
}

/**
 * `WS /ws/chat/<sender>/<receiver>/`: the original chat's socket. The upgrade
 * needs a session cookie whose user is `<sender>` and an allowed Origin. Every
 * message between the two arrives here, whichever transport sent it; a frame
 * sent here goes through the same send path as GraphQL's `sendMessage`. A bad
 * frame gets `{"error": …}` and the socket stays open.
 */
export const compatChatSocket =
  (options: CompatSocketOptions): FastifyPluginAsync =>
  (server) => {
    const { services, originAllowed, sockets, drain, background } = options;

    const authorize = async (request: Upgrade, reply: FastifyReply) => {
      if (drain.draining) return reply.status(503).send({ error: 'The server is restarting.' });
      if (!originAllowed(request)) return reply.status(403).send({ error: 'This origin is not allowed.' });
      const viewer = await services.sessions.authenticate(sessionToken(request));
      if (!viewer) return reply.status(401).send({ error: 'You need to log in.' });
      if (usernameKey(viewer.username) !== usernameKey(request.params.sender)) {
        return reply.status(403).send({ error: 'You can only open your own chat socket.' });
      }
      // The resume point is taken before the socket opens: a message sent the
      // moment the client sees it open has a later seq and is delivered.
      const conversation = await services.access.openDirect(
        viewer,
        request.params.receiver,
        'receiver',
      );
      const afterSeq = await services.history.headSeq(conversation);
      request.chat = { viewer, conversation, afterSeq };
    };

    server.get<{ Params: ChatParams }>(
      '/ws/chat/:sender/:receiver/',
      { websocket: true, preValidation: authorize },
      (socket: WebSocket, request: Upgrade) => {
        const chat = request.chat!;
        // A socket that closed during the upgrade will never emit 'close' again.
        if (socket.readyState !== socket.OPEN) return;
        options.adoptSocket(socket, request);
        // Everything that lives as long as the socket is tied to it before the first await.
        const lifetime = new AbortController();
        const delivered = new Watermark();
        socket.once('close', () => {
          lifetime.abort();
          delivered.release();
        });
        const release = sockets.add(chat.viewer, (code, reason) => closeSocket(socket, code, reason));
        if (!release) return closeSocket(socket, CloseCodes.tooManyConnections, 'Too many open connections');
        socket.once('close', release);
        options.keepAlive.watch(socket);

        let stream: OrderedStream<MessageView> | undefined;
        const replyError = (message: string) =>
          sendWithFlowControl(socket, errorFrame(message), options.maxBufferedBytes);

        const handleFrame = async (data: Buffer) => {
          const endWork = drain.begin();
          if (!endWork) return replyError('The server is restarting; this message was not sent.');
          try {
            const message = await services.messages.send(chat.viewer, chat.conversation, parseFrame(data));
            // The sender's echo needs no bus round trip; the stream drops it if the bus is faster.
            stream?.offer(message);
            // Shutdown waits until the sender has its echo.
            delivered.reached(message.seq).then(endWork, endWork);
          } catch (error) {
            endWork();
            await replyError(describeFailure(error, services));
          }
        };

        // One frame at a time, in arrival order, as the original consumer did.
        const inbound: Buffer[] = [];
        let handling = false;
        const handleInbound = async () => {
          if (handling) return;
          handling = true;
          for (let data = inbound.shift(); data; data = inbound.shift()) {
            if (socket.isPaused && inbound.length < MAX_QUEUED_FRAMES / 2) socket.resume();
            await handleFrame(data);
          }
          handling = false;
        };
        socket.on('message', (data: Buffer) => {
          inbound.push(data);
          if (inbound.length >= MAX_QUEUED_FRAMES) socket.pause();
          background(handleInbound(), 'compat socket frames');
        });

        const deliver = async () => {
          try {
            stream = await services.streams.conversation(chat.conversation, chat.afterSeq, lifetime.signal);
            for await (const message of stream) {
              // Old clients know no deletions: one deleted before it was read is never shown.
              if (message.deletedAt === null)
                await sendWithFlowControl(socket, toFrame(message), options.maxBufferedBytes);
              delivered.advance(message.seq);
            }
          } catch (error) {
            await replyError(describeFailure(error, services));
            closeSocket(socket, 1011, 'Delivery failed');
          }
        };
        background(deliver(), 'compat socket delivery');
      },
    );
    return Promise.resolve();
  };

/** One line per kind of failure a minute at most: a client repeats its frames at will. */
const failureLogs = new LogThrottle();

/** What a compat client is told about a failure: expected ones as they are, the rest masked. */
function describeFailure(error: unknown, services: Pick<Services, 'log'>): string {
  if (error instanceof AppError) return error.message;
  if (isDatabaseUnavailable(error)) {
    failureLogs.warn(services.log, 'database unavailable', { err: error }, 'database unavailable');
    return 'The service is temporarily unavailable. Try again shortly.';
  }
  failureLogs.warn(services.log, 'unexpected', { err: error }, 'compat socket failure');
  return 'Unexpected error.';
}
