import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../../modules/services.ts';
import type { Drain } from '../drain.ts';
import type { SocketRegistry } from '../ws/socket-registry.ts';

/** `/readyz` answers within a second whatever PostgreSQL does: a frozen database is an unavailable one. */
const DATABASE_CHECK_MS = 800;

/** Whether PostgreSQL answers a trivial query in time; never rejects, and a late answer is ignored. */
async function databaseAnswers(services: Pick<Services, 'db'>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), DATABASE_CHECK_MS)));
  const answered = services.db.$queryRaw`SELECT 1`.then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([answered, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `/healthz`: the process is up (restart it if not). `/readyz`: it can do its
 * job; 503 "degraded" while PostgreSQL or Redis is away (or PostgreSQL does not
 * answer within a second), so a balancer can prefer healthier instances, and
 * "draining" from SIGTERM on, so it takes no new clients while it finishes. It
 * also counts this instance's open sockets and live event streams.
 */
export const healthRoutes =
  (services: Pick<Services, 'db' | 'bus'>, sockets: SocketRegistry, drain: Drain): FastifyPluginAsync =>
  (server) => {
    server.get('/healthz', (_request, reply) => reply.send({ status: 'ok' }));
    server.get('/readyz', async (_request, reply) => {
      const counts = { sockets: sockets.size, streams: services.bus.userListeners };
      if (drain.draining) return reply.status(503).send({ status: 'draining', ...counts });
      const database = (await databaseAnswers(services)) ? 'ok' : 'unavailable';
      const pubsub = services.bus.healthy ? 'ok' : 'unavailable';
      const ready = database === 'ok' && pubsub === 'ok';
      return reply
        .status(ready ? 200 : 503)
        .send({ status: ready ? 'ok' : 'degraded', database, pubsub, ...counts });
    });
    return Promise.resolve();
  };
