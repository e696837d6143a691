import type { FastifyPluginAsync } from 'fastify';
import { unauthenticated } from '../../domain/errors.ts';
import type { Services } from '../../modules/services.ts';
import { sessionToken } from './session-cookie.ts';

/**
 * `GET /account/export`: the signed-in person's data as a zip, streamed as it is written.
 * `GET /reset-password/`: a reset mail's link, sent on to the login page, which reads the token
 * from the fragment (browsers keep it across the redirect; it never reaches a server's log).
 */
export const accountRoutes =
  (services: Services): FastifyPluginAsync =>
  (server) => {
    server.get('/account/export', async (request, reply) => {
      const viewer = await services.sessions.authenticate(sessionToken(request));
      if (!viewer) throw unauthenticated();
      const zip = services.accountExport.start(viewer);
      const day = new Date().toISOString().slice(0, 10);
      return reply
        .header('content-type', 'application/zip')
        .header('content-disposition', `attachment; filename="chat-export-${day}.zip"`)
        .header('cache-control', 'no-store')
        .send(zip);
    });
    server.get('/reset-password/', (_request, reply) => reply.redirect('/login/', 302));
    return Promise.resolve();
  };
