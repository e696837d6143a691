import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../context.ts';
import type { Drain } from '../delivery/drain.ts';
import type { SocketRegistry } from './socket-registry.ts';

/**
 * `/healthz`: the process is up (restart it if not). `/readyz`: it can do its
 * job; 503 "degraded" while PostgreSQL or Redis is away, so a balancer can
 * prefer healthier instances, and "draining" from SIGTERM on, so it takes no
 * new clients while it finishes. It also counts this instance's open sockets
 * and live event streams.
 */
export const healthRoutes =
  (services: Pick<Services, 'db' | 'bus'>, sockets: SocketRegistry, drain: Drain): FastifyPluginAsync =>
  (server) => {
    server.get('/healthz', (_request, reply) => reply.send({ status: 'ok' }));
    server.get('/readyz', async (_request, reply) => {
      const counts = { sockets: sockets.size, streams: services.bus.userListeners };
      if (drain.draining) return reply.status(503).send({ status: 'draining', ...counts });
      const database = await services.db.$queryRaw`SELECT 1`.then(
        () => 'ok' as const,
        () => 'unavailable' as const,
      );
      const pubsub = services.bus.healthy ? 'ok' : 'unavailable';
      const ready = database === 'ok' && pubsub === 'ok';
      return reply
        .status(ready ? 200 : 503)
        .send({ status: ready ? 'ok' : 'degraded', database, pubsub, ...counts });
    });
    return Promise.resolve();
  };
