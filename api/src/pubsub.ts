import { PubSub, type PubSubEngine } from 'graphql-subscriptions';
import { RedisPubSub } from 'graphql-redis-subscriptions';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Topics } from './events.ts';

export interface EventBus {
  /** Publishes after the caller committed; never rejects: a lost event is repaired from PostgreSQL. */
  publish<K extends keyof Topics>(topic: K, event: Topics[K]): Promise<void>;
  subscribe<K extends keyof Topics>(topic: K, listener: (event: Topics[K]) => void): Promise<() => void>;
  /**
   * Called when events may have been lost (the Redis connection came back),
   * so that live streams re-read what they missed from PostgreSQL.
   */
  onResync(listener: () => void): () => void;
  readonly healthy: boolean;
  readonly kind: 'redis' | 'in-process';
  close(): Promise<void>;
}

class EngineBus implements EventBus {
  private readonly resyncListeners = new Set<() => void>();

  constructor(
    private readonly engine: PubSubEngine,
    /** Prepended to every topic, so deployments (or test runs) can share one Redis. */
    private readonly namespace: string,
    private readonly log: Logger,
    readonly kind: EventBus['kind'],
    private readonly isHealthy: () => boolean,
    private readonly closeEngine: () => Promise<void>,
  ) {}

  get healthy() {
    return this.isHealthy();
  }

  async publish<K extends keyof Topics>(topic: K, event: Topics[K]) {
    try {
      await this.engine.publish(this.namespace + topic, event);
    } catch (error) {
      this.log.warn({ err: error, topic }, 'publish failed; subscribers will catch up from the database');
    }
  }

  async subscribe<K extends keyof Topics>(topic: K, listener: (event: Topics[K]) => void) {
    const id = await this.engine.subscribe(this.namespace + topic, listener, {});
    return () => {
      this.engine.unsubscribe(id);
    };
  }

  onResync(listener: () => void) {
    this.resyncListeners.add(listener);
    return () => this.resyncListeners.delete(listener);
  }

  resync() {
    for (const listener of this.resyncListeners) listener();
  }

  close() {
    return this.closeEngine();
  }
}

export function createInProcessBus(log: Logger): EventBus {
  return new EngineBus(
    new PubSub(),
    '',
    log,
    'in-process',
    () => true,
    async () => {},
  );
}

/** Redis Pub/Sub between instances. It is at-most-once: gaps are healed by resync. */
export function createRedisBus(redisUrl: string, namespace: string, log: Logger): EventBus {
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
  const engine = new RedisPubSub({ publisher, subscriber });
  const bus = new EngineBus(
    engine,
    namespace,
    log,
    'redis',
    () => publisher.status === 'ready' && subscriber.status === 'ready',
    async () => {
      await engine.close();
    },
  );
  let connectedBefore = false;
  subscriber.on('ready', () => {
    if (!connectedBefore) {
      connectedBefore = true;
      return;
    }
    // The ping's reply comes after those of the re-subscriptions ioredis sends on
    // reconnect, so nothing published from here on can fall between the two.
    void subscriber
      .ping()
      .catch(() => undefined)
      .then(() => {
        log.info('redis subscriber reconnected; resyncing live streams');
        bus.resync();
      });
  });
  return bus;
}
