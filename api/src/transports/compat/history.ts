import type { FastifyPluginAsync } from 'fastify';
import { AppError, badInput, unauthenticated } from '../../domain/errors.ts';
import { usernameKey } from '../../domain/validation.ts';
import type { Services } from '../../modules/services.ts';
import { sessionToken } from '../http/session-cookie.ts';
import { withFileLinks } from './file-links.ts';

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
        const viewer = await services.sessions.authenticate(sessionToken(request));
        if (!viewer) throw unauthenticated();
        const { u1, u2 } = request.params;
        const viewerKey = usernameKey(viewer.username);
        const peer = usernameKey(u1) === viewerKey ? u2 : usernameKey(u2) === viewerKey ? u1 : null;
        if (peer === null) throw new AppError('FORBIDDEN', 'You can only read your own conversations.');
        const { limit, before } = request.query;
        const conversation = await services.access.findDirect(viewer, peer, 'peer');
        const page = await services.history.history(conversation, {
          limit: limit === undefined ? undefined : Number(wholeNumber(limit, 'limit')),
          beforeMessageId: before === undefined ? undefined : wholeNumber(before, 'before'),
        });
        const attachments = await services.details.attachments(page.messages.map((message) => message.id));
        return {
          messages: page.messages.map((message) => ({
            sender: message.sender.username,
            receiver: message.receiver?.username ?? '',
            message: withFileLinks(message.body, attachments.get(message.id) ?? []),
            timestamp: message.createdAt.toISOString(),
            id: message.id,
          })),
          has_more: page.hasPreviousPage,
        };
      },
    );
    return Promise.resolve();
  };
