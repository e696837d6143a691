import { randomBytes } from 'node:crypto';
import { RedisPubSub } from 'graphql-redis-subscriptions';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Background } from '../lib/background.ts';
import { LocalBus, USERS_CHANNEL, type EventBus, type UserEnvelope } from './bus.ts';

/**
 * How often an instance publishes to itself, and how long it may hear nothing before it takes
 * its link to Redis for dead: a frozen link (a stalled network, a paused Redis) drops no
 * connection, so only silence tells. An unhealthy bus bypasses the session cache, and the
 * instance re-checks its sockets' sessions in PostgreSQL (see `app.ts`).
 */
export const BUS_HEARTBEAT_MS = 1_000;
export const BUS_SILENCE_LIMIT_MS = 3 * BUS_HEARTBEAT_MS;

const isEnvelope = (message: unknown): message is UserEnvelope =>
  typeof message === 'object' &&
  message !== null &&
  Array.isArray((message as UserEnvelope).to) &&
  typeof (message as UserEnvelope).event === 'object';

/**
 * Redis Pub/Sub between instances, at-most-once: gaps are healed by resync.
 * graphql-redis-subscriptions' `RedisPubSub` carries it, on our own ioredis
 * clients and only through its callback `subscribe`: its `asyncIterator`
 * queues without bound for a reader that stops, and our streams keep their
 * own bounded buffers (see `MergedLogStream`).
 *
 * Every user event goes out as one PUBLISH on one channel that each instance
 * subscribes to once, rather than one per recipient on per-user channels: a
 * message to a group of 100 costs one command, not 100, and an instance parses
 * it once however many of the members it holds. The price is that every
 * instance hears every event (docs/scaling.md has the figures).
 */
export async function createRedisBus(
  redisUrl: string,
  namespace: string,
  log: Logger,
  background: Background,
): Promise<EventBus> {
  const publisher = new Redis(redisUrl, {
    // Fail fast while Redis is away: the message is already committed and will be backfilled.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 1_000,
    enableAutoPipelining: true,
  });
  // No ready check: its INFO can race the SUBSCRIBEs issued while connecting and fail with
  // "Connection in subscriber mode" as an unhandled rejection (ioredis #2037).
  const subscriber = new Redis(redisUrl, { maxRetriesPerRequest: null, enableReadyCheck: false });
  for (const [name, client] of [
    ['publisher', publisher],
    ['subscriber', subscriber],
  ] as const) {
    client.on('error', (error) => log.warn({ err: error }, `redis ${name} error`));
  }
  const pubsub = new RedisPubSub({
    publisher,
    subscriber,
    triggerTransform: (trigger) => namespace + String(trigger),
  });
  const bus = new LocalBus(log);
  let lastHeard = Date.now();
  const heard = () => (lastHeard = Date.now());
  // Registered before the first SUBSCRIBE, so that its 'ready' is the one skipped below.
  let connectedBefore = false;
  subscriber.on('ready', () => {
    if (!connectedBefore) {
      connectedBefore = true;
      return;
    }
    // The ping's reply comes after those of the re-subscriptions ioredis sends on
    // reconnect, so nothing published from here on can fall between the two.
    background(
      subscriber
        .ping()
        .catch(() => undefined)
        .then(() => {
          log.info('redis subscriber reconnected; resyncing live streams');
          bus.resynced();
        }),
      'bus resync',
    );
  });
  await pubsub.subscribe(USERS_CHANNEL, (message: unknown) => {
    heard();
    if (isEnvelope(message)) bus.deliverToUsers(message);
    else log.error({ channel: USERS_CHANNEL }, 'unreadable bus message');
  });
  const publish = async (trigger: string, payload: unknown) => {
    try {
      await pubsub.publish(namespace + trigger, payload);
    } catch (error) {
      log.warn({ err: error, trigger }, 'publish failed; subscribers will catch up from the database');
    }
  };
  const heartbeatTrigger = `heartbeat:${randomBytes(6).toString('hex')}`;
  await pubsub.subscribe(heartbeatTrigger, heard);
  const healthy = () =>
    publisher.status === 'ready' && subscriber.status === 'ready' && Date.now() - lastHeard <= BUS_SILENCE_LIMIT_MS;
  let wasHealthy = true;
  const heartbeat = setInterval(() => {
    background(publish(heartbeatTrigger, 1), 'bus heartbeat');
    const now = healthy();
    // Back from a silence: whatever was published meanwhile may be lost, as after a reconnect.
    if (now && !wasHealthy) {
      log.info('redis link heard again; resyncing live streams');
      bus.resynced();
    }
    if (!now && wasHealthy) log.warn('nothing heard from redis lately; treating the bus as down');
    wasHealthy = now;
  }, BUS_HEARTBEAT_MS).unref();
  bus.transport = {
    kind: 'redis',
    healthy,
    publishToUsers: (envelope) => publish(USERS_CHANNEL, envelope),
    publish,
    listen: async (topic) => {
      await pubsub.subscribe(topic, (event: unknown) => bus.deliverToTopic(topic, event));
    },
    close: async () => {
      clearInterval(heartbeat);
      subscriber.disconnect();
      await publisher.quit().catch(() => publisher.disconnect());
    },
  };
  return bus;
}
