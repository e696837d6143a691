import type { WebSocket } from '@fastify/websocket';
import type { FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { LogThrottle } from '../../lib/log-throttle.ts';

/** Called first thing by every WebSocket handler, with the socket and its upgrade request. */
export type AdoptSocket = (socket: WebSocket, request: FastifyRequest) => void;

/**
 * Lets a WebSocket go of its HTTP upgrade, which it would otherwise keep for
 * its whole life (some 5 KiB per idle socket): @fastify/websocket's 'error'
 * listener closes over the upgrade's Fastify request and reply, and the
 * response it made for routing (never sent: ws answers the upgrade itself)
 * stays assigned to the TCP socket. Handlers must not keep the request either.
 *
 * The socket's errors are handled here instead. A bad frame (too large, bad
 * UTF-8, bad opcode) is the client's doing, which it can repeat at will: a
 * throttled warning, not an error with a stack per socket.
 */
export function socketAdopter(log: Logger): AdoptSocket {
  const badFrames = new LogThrottle();
  return (socket, request) => {
    socket.removeAllListeners('error');
    socket.on('error', (error) => {
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'string' && code.startsWith('WS_ERR_'))
        badFrames.warn(log, code, { code, reason: error.message }, 'closed a socket on a bad frame');
      else log.error({ err: error }, 'WebSocket error');
      socket.terminate();
    });
    const connection = request.raw.socket as Socket & { _httpMessage?: ServerResponse | null };
    connection._httpMessage?.detachSocket(connection);
  };
}
