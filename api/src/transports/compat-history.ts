import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../context.ts';
import { AppError, badInput, unauthenticated } from '../services/errors.ts';
import { usernameKey } from '../services/validation.ts';
import { sessionToken } from './session-cookie.ts';

const wholeNumber = (text: string, field: string) => {
  if (!/^\d{1,18}$/.test(text)) throw badInput(field, `${field} must be a whole number.`);
  return text;
};

/**
 * `GET /api/messages/<u1>/<u2>/`: the original's history JSON, oldest first,
 * the same for either name order. Unlike the original it answers only one of
 * the two people (401 without a session, 403 for anyone else).
 */
export const compatHistory =
  (services: Services): FastifyPluginAsync =>
  (server) => {
    server.get<{ Params: { u1: string; u2: string }; Querystring: { limit?: string; before?: string } }>(
      '/api/messages/:u1/:u2/',
      async (request) => {
        const viewer = await services.accounts.authenticate(sessionToken(request));
        if (!viewer) throw unauthenticated();
        const { u1, u2 } = request.params;
        const viewerKey = usernameKey(viewer.username);
        const peer = usernameKey(u1) === viewerKey ? u2 : usernameKey(u2) === viewerKey ? u1 : null;
        if (peer === null) throw new AppError('FORBIDDEN', 'You can only read your own conversations.');
        const { limit, before } = request.query;
        const page = await services.messages.history(viewer, peer, {
          limit: limit === undefined ? undefined : Number(wholeNumber(limit, 'limit')),
          beforeMessageId: before === undefined ? undefined : wholeNumber(before, 'before'),
        });
        return {
          messages: page.messages.map((message) => ({
            sender: message.sender.username,
            receiver: message.receiver?.username ?? '',
            message: message.body,
            timestamp: message.createdAt.toISOString(),
            id: message.id,
          })),
          has_more: page.hasPreviousPage,
        };
      },
    );
    return Promise.resolve();
  };
