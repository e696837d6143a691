import type { WebSocket } from '@fastify/websocket';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../context.ts';
import type { Viewer } from '../services/accounts.ts';
import { AppError } from '../services/errors.ts';
import { messageStream } from '../services/message-stream.ts';
import type { MessageView } from '../services/messages.ts';
import { usernameKey } from '../services/validation.ts';
import type { OriginCheck } from './origins.ts';
import { sessionToken } from './session-cookie.ts';
import type { SocketRegistry } from './socket-registry.ts';

interface ChatParams {
  sender: string;
  receiver: string;
}

type Upgrade = FastifyRequest<{ Params: ChatParams }> & { viewer?: Viewer };

/** What the original sent for each message; `id` and `timestamp` are ours, and old clients ignore them. */
const toFrame = (message: MessageView) =>
  JSON.stringify({
    message: message.body,
    sender: message.sender.username,
    receiver: message.receiver.username,
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

/**
 * `WS /ws/chat/<sender>/<receiver>/`: the original chat's socket. The upgrade
 * needs a session cookie whose user is `<sender>` and an allowed Origin. Every
 * message between the two arrives here, whichever transport sent it; a frame
 * sent here goes through the same send path as GraphQL's `sendMessage`. A bad
 * frame gets `{"error": …}` and the socket stays open.
 */
export const compatChatSocket =
  (deps: { services: Services; originAllowed: OriginCheck; sockets: SocketRegistry }): FastifyPluginAsync =>
  (server) => {
    const { services, originAllowed, sockets } = deps;

    const authorize = async (request: Upgrade, reply: FastifyReply) => {
      if (!originAllowed(request)) return reply.status(403).send({ error: 'This origin is not allowed.' });
      const viewer = await services.accounts.authenticate(sessionToken(request));
      if (!viewer) return reply.status(401).send({ error: 'You need to log in.' });
      if (usernameKey(viewer.username) !== usernameKey(request.params.sender)) {
        return reply.status(403).send({ error: 'You can only open your own chat socket.' });
      }
      await services.users.findPeer(viewer, request.params.receiver, 'receiver');
      request.viewer = viewer;
    };

    server.get<{ Params: ChatParams }>(
      '/ws/chat/:sender/:receiver/',
      { websocket: true, preValidation: authorize },
      async (socket: WebSocket, request: Upgrade) => {
        const viewer = request.viewer!;
        const { receiver } = request.params;
        const release = sockets.add(viewer, (code, reason) => socket.close(code, reason));
        if (!release) return socket.close(4429, 'Too many open connections');
        socket.on('close', release);

        const send = async (data: Buffer) => {
          try {
            await services.messages.send(viewer, receiver, parseFrame(data));
          } catch (error) {
            if (!(error instanceof AppError)) services.log.error({ err: error }, 'compat send failed');
            socket.send(errorFrame(error instanceof AppError ? error.message : 'Unexpected error.'));
          }
        };
        // One frame at a time, in arrival order, as the original consumer did; frames that
        // arrive while the conversation is being opened wait for it.
        let opened: Promise<boolean> = Promise.resolve(false);
        let queue = Promise.resolve();
        socket.on('message', (data: Buffer) => {
          queue = queue.then(async () => {
            if (await opened) await send(data);
          });
        });

        let stream: ReturnType<typeof messageStream>;
        const opening = services.messages.openDirect(viewer, receiver, 'receiver').then((conversation) => {
          stream = messageStream({ ...services, conversation, afterSeq: null });
          return true;
        });
        opened = opening.catch(() => false);
        try {
          await opening;
        } catch (error) {
          socket.send(errorFrame(error instanceof AppError ? error.message : 'Unexpected error.'));
          return socket.close(error instanceof AppError ? 4000 + error.httpStatus : 1011);
        }
        socket.on('close', () => void stream.return());
        for await (const message of stream!) socket.send(toFrame(message));
      },
    );
    return Promise.resolve();
  };
